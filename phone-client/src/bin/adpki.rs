//! `adpki`: publish certificates into a directory like `certutil -dspublish` (issue #5, in progress).

fn main() {
    eprintln!("adpki: not built yet");
    std::process::exit(2);
}
