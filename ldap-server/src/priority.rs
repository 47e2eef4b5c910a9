//! This thread's scheduling priority, lowered while a heavy search runs (Linux: nice +10,
//! restored on drop), so the cheap requests of other connections get the cores first: CFS gives
//! a nice-10 thread about a tenth of a nice-0 one's share when both want a core. Restoring needs
//! the right to raise priority (root, or RLIMIT_NICE); without it nothing is lowered at all, so
//! a runtime worker never stays slow.

/// The lowered priority; the previous one comes back when this is dropped.
pub struct Lowered {
    #[cfg(target_os = "linux")]
    previous: Option<libc::c_int>,
}

/// How much lower.
#[cfg(target_os = "linux")]
const STEP: libc::c_int = 10;

impl Lowered {
    #[cfg(target_os = "linux")]
    pub fn new() -> Lowered {
        // SAFETY: plain system calls about this thread; they share no memory with us.
        let previous = unsafe {
            let tid = libc::gettid() as libc::id_t;
            let current = libc::getpriority(libc::PRIO_PROCESS, tid);
            (may_raise_to(current)
                && libc::setpriority(libc::PRIO_PROCESS, tid, current + STEP) == 0)
                .then_some(current)
        };
        Lowered { previous }
    }

    #[cfg(not(target_os = "linux"))]
    pub fn new() -> Lowered {
        Lowered {}
    }
}

/// Whether this process may set its nice value back to `nice` once lowered (root, or an
/// RLIMIT_NICE that allows it: the limit is `20 - nice`).
#[cfg(target_os = "linux")]
fn may_raise_to(nice: libc::c_int) -> bool {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only into `limit`; geteuid takes nothing.
    unsafe {
        libc::geteuid() == 0
            || (libc::getrlimit(libc::RLIMIT_NICE, &mut limit) == 0
                && i64::from(20 - nice) <= i64::try_from(limit.rlim_cur).unwrap_or(i64::MAX))
    }
}

#[cfg(target_os = "linux")]
impl Drop for Lowered {
    fn drop(&mut self) {
        if let Some(previous) = self.previous {
            // SAFETY: as in `new`.
            unsafe {
                let tid = libc::gettid() as libc::id_t;
                libc::setpriority(libc::PRIO_PROCESS, tid, previous);
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn nice() -> libc::c_int {
        // SAFETY: as above.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
    }

    #[test]
    fn the_priority_comes_back() {
        std::thread::spawn(|| {
            let before = nice();
            {
                let lowered = Lowered::new();
                if lowered.previous.is_some() {
                    assert_eq!(nice(), before + STEP);
                }
            }
            assert_eq!(nice(), before);
        })
        .join()
        .expect("thread");
    }
}
