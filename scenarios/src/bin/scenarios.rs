//! `scenarios`: worlds in which a simulated desk phone boots. Today: `scenarios seed`, the story
//! README's main command tells (the catalogue, `run`, `list`, `up` and `explain` are issue #4).
//! Exit code 0 when every act ends as expected, 1 otherwise, 2 on usage or environment errors.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "scenarios",
    version,
    about = "Worlds in which a simulated desk phone boots"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The seed story: a standalone root not published (the phone fails), published as RootCA
    /// (it signs in), added to NTAuthCertificates (it signs in).
    Seed {
        /// Firmware profile: cpe-2007r2, cpe-2007r2-old-firmware, lpe-2010, or a TOML file.
        #[arg(long, default_value = "cpe-2007r2")]
        profile: String,
        /// Print each act's full phone report, not only its verdict.
        #[arg(long)]
        verbose: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let Command::Seed { profile, verbose } = Cli::parse().command;
    let profile = match phone_client::profile::Profile::load(&profile) {
        Ok(profile) => profile,
        Err(error) => {
            eprintln!("scenarios: {error}");
            return ExitCode::from(2);
        }
    };
    let acts = match scenarios::seed::play(&profile).await {
        Ok(acts) => acts,
        Err(error) => {
            eprintln!("scenarios: {error}");
            return ExitCode::from(2);
        }
    };
    let mut all_as_expected = true;
    for act in &acts {
        println!("== {}", act.title);
        println!("   {}", act.action);
        println!(
            "   phone shows: {}{}",
            act.report.screen,
            if act.report.reason.is_empty() {
                String::new()
            } else {
                format!(" — {}", act.report.reason)
            }
        );
        let verdict = if act.as_expected() {
            "as expected"
        } else {
            "UNEXPECTED"
        };
        println!(
            "   outcome: {} (expected {}) — {verdict}\n",
            act.report.outcome, act.expected
        );
        if verbose {
            println!("{}", act.report.human());
        }
        all_as_expected &= act.as_expected();
    }
    if all_as_expected {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
