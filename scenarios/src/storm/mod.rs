//! Boot storms: after a power cut every phone of a site boots at once. `scenarios storm` starts a
//! scenario's world with one user per phone, plays the administrator's actions up to the chosen
//! act, then boots N phones — each its own user, its own connections — with at most C booting at
//! a time, and reports how they fared and where their time went.
//!
//! Only tallies are kept (histograms, counters), never reports, so 100,000 phones fit in about
//! the memory of their world.

mod html;
mod tally;
mod text;
mod words;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use phone_client::report::Report;
use phone_client::run::Boot;
use serde::Serialize;

use crate::spec::{Expectation, PhoneSpec, Scenario, UserSpec};
use crate::world::{apply_phone_change, with_default_user, World, BOOT_LIMIT};
use crate::Error;

pub use html::html;
pub use tally::{Latency, RequestTally, Sample, StepLatency, Tally};
pub use text::text;
pub use words::where_the_time_went;

/// What to storm with.
#[derive(Debug, Clone, Copy)]
pub struct StormOptions {
    /// The act (1-based) whose world and phone the storm boots in: the administrator's actions of
    /// every act up to it are played first, and its expectation judges every phone.
    pub act: usize,
    pub phones: usize,
    /// Phones booting at once.
    pub concurrency: usize,
}

/// Everything a storm found; `text`, `html` and JSON are views of it.
#[derive(Debug, Clone, Serialize)]
pub struct StormReport {
    pub scenario: String,
    pub title: String,
    pub act: usize,
    pub act_title: String,
    pub actions: Vec<String>,
    pub expected: Expectation,
    pub phones: usize,
    pub concurrency: usize,
    /// Whether each phone signed in as its own user (false: the scenario's phone signs in as
    /// someone the world does not hold, or with a PIN, so every phone uses the same sign-in).
    pub distinct_users: bool,
    pub wall_ms: f64,
    pub boots_per_second: f64,
    /// Phones whose boot matched the act's expectation.
    pub as_expected: usize,
    /// Outcome name → phones.
    pub outcomes: Vec<(String, usize)>,
    /// How the other phones differed from the expectation (most frequent first).
    pub unexpected: Vec<Sample>,
    /// The storm's own failures (a phone that never finished, a task that died): not outcomes.
    pub machinery_errors: usize,
    pub machinery: Vec<Sample>,
    pub boot: Latency,
    pub steps: Vec<StepLatency>,
    pub requests: Vec<RequestTally>,
    /// Latency histogram of whole boots: (upper bound in ms, phones), for the chart.
    pub histogram: Vec<(f64, u64)>,
    pub where_the_time_went: Vec<String>,
    /// The process's peak resident memory (VmHWM), world included.
    pub peak_rss_mib: Option<f64>,
    /// CPU time the whole process (phones and world) used while the phones booted, and the cores
    /// it had: near cores × wall time, the latencies include waiting for a CPU.
    pub cpu_seconds: f64,
    pub cores: usize,
}

/// What a storm knows besides its tally.
pub(crate) struct Facts {
    pub(crate) scenario: String,
    pub(crate) title: String,
    pub(crate) act: usize,
    pub(crate) act_title: String,
    pub(crate) actions: Vec<String>,
    pub(crate) expected: Expectation,
    pub(crate) phones: usize,
    pub(crate) concurrency: usize,
    pub(crate) distinct_users: bool,
    pub(crate) wall: std::time::Duration,
    pub(crate) peak_rss_mib: Option<f64>,
    pub(crate) cpu_seconds: f64,
    pub(crate) cores: usize,
}

impl StormReport {
    /// The report of a storm: its facts, its tally's figures, and the words worked out last.
    pub(crate) fn new(facts: Facts, tally: &Tally) -> StormReport {
        let seconds = facts.wall.as_secs_f64();
        let mut report = StormReport {
            scenario: facts.scenario,
            title: facts.title,
            act: facts.act,
            act_title: facts.act_title,
            actions: facts.actions,
            expected: facts.expected,
            phones: facts.phones,
            concurrency: facts.concurrency,
            distinct_users: facts.distinct_users,
            wall_ms: seconds * 1000.0,
            boots_per_second: if seconds > 0.0 {
                tally.finished() as f64 / seconds
            } else {
                0.0
            },
            as_expected: tally.as_expected,
            outcomes: tally.outcomes(),
            unexpected: tally.unexpected(),
            machinery_errors: tally.machinery_errors,
            machinery: tally.machinery_samples(),
            boot: tally.boot_latency(),
            steps: tally.step_latencies(),
            requests: tally.request_tallies(),
            histogram: tally.histogram(),
            where_the_time_went: Vec::new(),
            peak_rss_mib: facts.peak_rss_mib,
            cpu_seconds: facts.cpu_seconds,
            cores: facts.cores,
        };
        report.where_the_time_went = where_the_time_went(&report);
        report
    }
}

/// How many users and phones a storm may have: the directory and the phones share one process.
pub const MAX_PHONES: usize = 1_000_000;

/// Runs a storm; `progress` is called once per finished phone.
pub async fn storm(
    scenario: &Scenario,
    options: StormOptions,
    progress: Arc<dyn Fn() + Send + Sync>,
) -> Result<StormReport, Error> {
    let act_count = scenario.acts.len();
    if options.act == 0 || options.act > act_count {
        return Err(Error::Act(format!(
            "--act {}: {} has acts 1 to {act_count}",
            options.act, scenario.name
        )));
    }
    if options.phones == 0 || options.phones > MAX_PHONES {
        return Err(Error::Act(format!(
            "--phones {}: between 1 and {MAX_PHONES}",
            options.phones
        )));
    }
    let concurrency = options.concurrency.clamp(1, options.phones);
    let act = &scenario.acts[options.act - 1];

    let mut populated = scenario.clone();
    with_default_user(&mut populated);
    let phone = phone_at_act(scenario, options.act);
    let sign_in = StormUsers::plan(&populated, &phone, options.phones);
    populated.users.extend(sign_in.users());

    let mut world = World::start(&populated).await?;
    let mut actions = Vec::new();
    let played = async {
        for (index, earlier) in scenario.acts[..options.act].iter().enumerate() {
            for action in crate::run::act_on(&mut world, earlier).await? {
                actions.push(format!("act {}: {action}", index + 1));
            }
        }
        world.boot_plan()
    }
    .await;
    let plan = match played {
        Ok(plan) => plan,
        Err(error) => {
            world.shutdown().await;
            return Err(error);
        }
    };
    let world = Arc::new(world);

    let started = Instant::now();
    let cpu_before = process_cpu_seconds();
    let next = Arc::new(AtomicUsize::new(0));
    let sign_in = Arc::new(sign_in);
    // One tally for all workers, locked once per finished boot: a tally holds a dozen HDR
    // histograms (~150 KiB each), too many to keep one per worker at a concurrency of thousands.
    let shared = Arc::new(Mutex::new(Tally::new()));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let world = world.clone();
            let plan = plan.clone();
            let next = next.clone();
            let sign_in = sign_in.clone();
            let expected = act.expect.clone();
            let progress = progress.clone();
            let shared = shared.clone();
            let phones = options.phones;
            tokio::spawn(async move {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= phones {
                        break;
                    }
                    let finished = boot_one(&world, &plan, &sign_in, index, &expected).await;
                    lock(&shared).record(finished);
                    progress();
                }
            })
        })
        .collect();
    for worker in workers {
        if let Err(error) = worker.await {
            lock(&shared).machinery(format!("a storm worker failed: {error}"));
        }
    }
    let tally = std::mem::take(&mut *lock(&shared));
    let wall = started.elapsed();
    let cpu_seconds = (process_cpu_seconds() - cpu_before).max(0.0);
    if let Ok(world) = Arc::try_unwrap(world) {
        world.shutdown().await;
    }

    Ok(StormReport::new(
        Facts {
            scenario: scenario.name.clone(),
            title: scenario.title.clone(),
            act: options.act,
            act_title: act.title.clone(),
            actions,
            expected: act.expect.clone(),
            phones: options.phones,
            concurrency,
            distinct_users: sign_in.distinct,
            wall,
            peak_rss_mib: peak_rss_mib(),
            cpu_seconds,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
        },
        &tally,
    ))
}

/// How one phone's boot ended, for the tally.
enum Finished {
    Boot {
        report: Report,
        elapsed: std::time::Duration,
        failures: Vec<String>,
    },
    Machinery(String),
}

impl Tally {
    fn record(&mut self, finished: Finished) {
        match finished {
            Finished::Boot {
                report,
                elapsed,
                failures,
            } => self.boot(&report, elapsed, failures),
            Finished::Machinery(text) => self.machinery(text),
        }
    }
}

/// The tally, even if a worker panicked while holding it (its counts are still counts).
fn lock(tally: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    tally
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One phone's boot, judged against the act's expectation.
async fn boot_one(
    world: &World,
    plan: &Boot,
    sign_in: &StormUsers,
    index: usize,
    expected: &Expectation,
) -> Finished {
    let mut boot = plan.clone();
    if let Some((user, password)) = sign_in.credentials(index) {
        boot.user = user;
        boot.password = password;
    }
    let started = Instant::now();
    match tokio::time::timeout(BOOT_LIMIT, boot.run()).await {
        Ok(report) => {
            let elapsed = started.elapsed();
            let installed = crate::run::installed_ids(world, &report);
            let failures = crate::run::check(expected, &report, &installed);
            Finished::Boot {
                report,
                elapsed,
                failures,
            }
        }
        Err(_) => Finished::Machinery(format!(
            "a phone did not finish within {} s",
            BOOT_LIMIT.as_secs()
        )),
    }
}

/// The phone as it is at act `act` (1-based): the scenario's phone with every act's changes up to
/// it.
fn phone_at_act(scenario: &Scenario, act: usize) -> PhoneSpec {
    let mut phone = scenario.phone.clone();
    for earlier in scenario.acts.iter().take(act) {
        if let Some(change) = &earlier.phone {
            apply_phone_change(&mut phone, change);
        }
    }
    phone
}

/// Who each storm phone signs in as: a copy of the scenario's phone user (same password, same
/// account state) per phone, named `phone000001`…, so each phone binds as its own account.
struct StormUsers {
    template: Option<UserSpec>,
    domain: String,
    /// `DOMAIN\name` instead of `name@domain` (as the scenario's phone writes it).
    down_level: Option<String>,
    /// The password the scenario's phone types (may differ from the account's: a bad password).
    typed: Option<String>,
    phones: usize,
    distinct: bool,
}

impl StormUsers {
    fn plan(scenario: &Scenario, phone: &PhoneSpec, phones: usize) -> StormUsers {
        let domain = scenario.domain.dns.clone();
        let pin = phone.pin.is_some();
        let written = phone.user.clone();
        let (down_level, name) = match written.as_deref() {
            Some(user) => match user.split_once('\\') {
                Some((prefix, name)) => (Some(prefix.to_string()), Some(name.to_string())),
                None => (
                    None,
                    Some(user.split('@').next().unwrap_or(user).to_string()),
                ),
            },
            None => (None, scenario.users.first().map(|user| user.name.clone())),
        };
        let template = name.and_then(|name| {
            scenario
                .users
                .iter()
                .find(|user| user.name.eq_ignore_ascii_case(&name))
                .cloned()
        });
        let template = if pin { None } else { template };
        StormUsers {
            distinct: template.is_some(),
            typed: phone.password.clone(),
            template,
            domain,
            down_level,
            phones,
        }
    }

    fn name(index: usize) -> String {
        format!("phone{:06}", index + 1)
    }

    /// The accounts to add to the world.
    fn users(&self) -> Vec<UserSpec> {
        let Some(template) = &self.template else {
            return Vec::new();
        };
        (0..self.phones)
            .map(|index| UserSpec {
                name: StormUsers::name(index),
                ..template.clone()
            })
            .collect()
    }

    /// Phone `index`'s sign-in, or None to keep the scenario's.
    fn credentials(&self, index: usize) -> Option<(String, String)> {
        let template = self.template.as_ref()?;
        let name = StormUsers::name(index);
        let user = match &self.down_level {
            Some(prefix) => format!("{prefix}\\{name}"),
            None => format!("{name}@{}", self.domain),
        };
        let password = self
            .typed
            .clone()
            .unwrap_or_else(|| template.password.clone());
        Some((user, password))
    }
}

/// User and system CPU time of this process so far (all threads).
fn process_cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one `rusage` through the pointer, which points at one.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } != 0 {
        return 0.0;
    }
    // SAFETY: zero-initialised, then filled by a successful getrusage.
    let usage = unsafe { usage.assume_init() };
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// VmHWM of this process in MiB (Linux), the figure "under 1 GiB resident" is about.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests;
