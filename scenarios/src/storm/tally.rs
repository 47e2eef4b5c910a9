//! What a storm keeps per phone: HDR histograms of whole boots and of each step (microseconds),
//! web requests counted by host and result, outcomes and the ways phones missed the
//! expectation. The storm's workers share one; tallies merge (e.g. storms side by side).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use hdrhistogram::Histogram;
use phone_client::report::{Report, RequestResult};
use serde::Serialize;

/// Latencies are recorded in µs from 1 µs to 10 minutes (a boot is cut at 60 s), to 3
/// significant digits.
const HIGHEST_US: u64 = 600_000_000;
/// Distinct texts kept per kind of sample; the rest are counted under "other".
const MAX_SAMPLES: usize = 64;

/// p50/p90/p99/max in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// One step's latencies and its share of all boot time.
#[derive(Debug, Clone, Serialize)]
pub struct StepLatency {
    pub step: String,
    pub latency: Latency,
    /// Sum over phones, ms.
    pub total_ms: f64,
    /// Of the phones' summed boot time, 0–1.
    pub share: f64,
}

/// Web requests to one host that ended one way.
#[derive(Debug, Clone, Serialize)]
pub struct RequestTally {
    pub host: String,
    pub result: RequestResult,
    pub count: u64,
    pub total_ms: f64,
    pub max_ms: f64,
}

/// A text and how many phones it happened to.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub text: String,
    pub count: usize,
}

/// One worker's (or the whole storm's) counts.
pub struct Tally {
    boot: Histogram<u64>,
    boot_total_us: u128,
    /// Step name → (histogram, summed µs), in first-seen order.
    steps: Vec<(String, Histogram<u64>, u128)>,
    requests: HashMap<(String, RequestResult), (u64, u128, u64)>,
    outcomes: BTreeMap<String, usize>,
    pub as_expected: usize,
    unexpected: BTreeMap<String, usize>,
    pub machinery_errors: usize,
    machinery: BTreeMap<String, usize>,
}

// The bounds and precision are constants within hdrhistogram's documented limits (low ≥ 1,
// high ≥ 2 × low, 0–5 significant digits), so construction cannot fail.
#[allow(clippy::expect_used)]
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIGHEST_US, 3).expect("constant histogram bounds")
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(HIGHEST_US)
        .clamp(1, HIGHEST_US)
}

/// µs → ms, to the µs.
fn ms(us: f64) -> f64 {
    us.round() / 1000.0
}

impl Default for Tally {
    fn default() -> Self {
        Tally::new()
    }
}

impl Tally {
    pub fn new() -> Tally {
        Tally {
            boot: histogram(),
            boot_total_us: 0,
            steps: Vec::new(),
            requests: HashMap::new(),
            outcomes: BTreeMap::new(),
            as_expected: 0,
            unexpected: BTreeMap::new(),
            machinery_errors: 0,
            machinery: BTreeMap::new(),
        }
    }

    /// A finished boot: its time, its steps, its requests, and how it differed from the
    /// expectation (`failures`, empty when as expected).
    pub fn boot(&mut self, report: &Report, elapsed: Duration, failures: Vec<String>) {
        let us = micros(elapsed);
        self.boot.saturating_record(us);
        self.boot_total_us += u128::from(us);
        for step in &report.steps {
            let us = micros(step.elapsed);
            let slot = match self.steps.iter().position(|(name, ..)| *name == step.name) {
                Some(slot) => slot,
                None => {
                    self.steps.push((step.name.clone(), histogram(), 0));
                    self.steps.len() - 1
                }
            };
            let (_, histogram, total) = &mut self.steps[slot];
            histogram.saturating_record(us);
            *total += u128::from(us);
            for request in &step.requests {
                let us = micros(request.elapsed);
                let entry = self
                    .requests
                    .entry((request.host.clone(), request.result))
                    .or_insert((0, 0, 0));
                entry.0 += 1;
                entry.1 += u128::from(us);
                entry.2 = entry.2.max(us);
            }
        }
        *self
            .outcomes
            .entry(report.outcome.name().to_string())
            .or_default() += 1;
        match failures.into_iter().next() {
            None => self.as_expected += 1,
            Some(first) => count(&mut self.unexpected, first, 1),
        }
    }

    /// A failure of the storm itself, not of a phone.
    pub fn machinery(&mut self, text: String) {
        self.machinery_errors += 1;
        count(&mut self.machinery, text, 1);
    }

    pub fn merge(&mut self, other: Tally) {
        // Same bounds on both sides: adding cannot fail; a failure would only lose counts.
        let _ = self.boot.add(&other.boot);
        self.boot_total_us += other.boot_total_us;
        for (name, histogram, total) in other.steps {
            match self.steps.iter_mut().find(|(mine, ..)| *mine == name) {
                Some((_, mine, my_total)) => {
                    let _ = mine.add(&histogram);
                    *my_total += total;
                }
                None => self.steps.push((name, histogram, total)),
            }
        }
        for (key, (count, total, max)) in other.requests {
            let entry = self.requests.entry(key).or_insert((0, 0, 0));
            entry.0 += count;
            entry.1 += total;
            entry.2 = entry.2.max(max);
        }
        for (outcome, phones) in other.outcomes {
            *self.outcomes.entry(outcome).or_default() += phones;
        }
        self.as_expected += other.as_expected;
        for (text, phones) in other.unexpected {
            count(&mut self.unexpected, text, phones);
        }
        self.machinery_errors += other.machinery_errors;
        for (text, phones) in other.machinery {
            count(&mut self.machinery, text, phones);
        }
    }

    /// Phones that finished (whatever their outcome).
    pub fn finished(&self) -> u64 {
        self.boot.len()
    }

    pub fn boot_latency(&self) -> Latency {
        latency(&self.boot)
    }

    pub fn step_latencies(&self) -> Vec<StepLatency> {
        let all = self.boot_total_us.max(1) as f64;
        self.steps
            .iter()
            .map(|(name, histogram, total)| StepLatency {
                step: name.clone(),
                latency: latency(histogram),
                total_ms: ms(*total as f64),
                share: *total as f64 / all,
            })
            .collect()
    }

    /// Requests by host and result, the most time first.
    pub fn request_tallies(&self) -> Vec<RequestTally> {
        let mut tallies: Vec<RequestTally> = self
            .requests
            .iter()
            .map(|((host, result), (count, total, max))| RequestTally {
                host: host.clone(),
                result: *result,
                count: *count,
                total_ms: ms(*total as f64),
                max_ms: ms(*max as f64),
            })
            .collect();
        tallies.sort_by(|a, b| {
            b.total_ms
                .total_cmp(&a.total_ms)
                .then_with(|| a.host.cmp(&b.host))
        });
        tallies
    }

    pub fn outcomes(&self) -> Vec<(String, usize)> {
        let mut outcomes: Vec<_> = self.outcomes.clone().into_iter().collect();
        outcomes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        outcomes
    }

    pub fn unexpected(&self) -> Vec<Sample> {
        samples(&self.unexpected)
    }

    pub fn machinery_samples(&self) -> Vec<Sample> {
        samples(&self.machinery)
    }

    /// Whole-boot latencies in buckets that double from 1 ms: (upper bound ms, phones), from the
    /// first non-empty bucket to the last.
    pub fn histogram(&self) -> Vec<(f64, u64)> {
        let mut buckets = Vec::new();
        let mut upper = 1000u64;
        let mut below = 0u64;
        while below < self.boot.len() && upper <= HIGHEST_US * 2 {
            let up_to = self.boot.count_between(0, upper.min(HIGHEST_US));
            buckets.push((upper as f64 / 1000.0, up_to - below));
            below = up_to;
            upper *= 2;
        }
        let first = buckets.iter().position(|(_, n)| *n > 0).unwrap_or(0);
        buckets.split_off(first)
    }

    /// Summed boot time of every phone, ms.
    pub fn boot_total_ms(&self) -> f64 {
        ms(self.boot_total_us as f64)
    }
}

fn latency(histogram: &Histogram<u64>) -> Latency {
    if histogram.is_empty() {
        return Latency::default();
    }
    let at = |quantile: f64| ms(histogram.value_at_quantile(quantile) as f64);
    Latency {
        count: histogram.len(),
        p50_ms: at(0.50),
        p90_ms: at(0.90),
        p99_ms: at(0.99),
        max_ms: ms(histogram.max() as f64),
    }
}

/// Counts `text`; past [`MAX_SAMPLES`] distinct texts, new ones count as "other".
fn count(samples: &mut BTreeMap<String, usize>, text: String, phones: usize) {
    if samples.len() >= MAX_SAMPLES && !samples.contains_key(&text) {
        *samples.entry("(other differences)".into()).or_default() += phones;
    } else {
        *samples.entry(text).or_default() += phones;
    }
}

fn samples(counted: &BTreeMap<String, usize>) -> Vec<Sample> {
    let mut samples: Vec<Sample> = counted
        .iter()
        .map(|(text, count)| Sample {
            text: text.clone(),
            count: *count,
        })
        .collect();
    samples.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    samples
}
