//! The storm's report as one self-contained page: inline CSS, the boot-latency histogram and the
//! per-step breakdown as inline SVG, no script and no outside assets, so it can be mailed or
//! attached to a ticket and opened anywhere.

use std::fmt::Write;

use super::text::{expectation, thousands};
use super::words::{duration, percent, phrase};
use super::StormReport;
use ad_common::html::escape;

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:right;border-bottom:1px solid #eee}\
td:first-child,th:first-child{text-align:left}.bad{color:#b00020}.ok{color:#176f2c}\
svg text{font:11px system-ui,sans-serif;fill:#333}li{margin:.3em 0}";

/// Step colours, in step order (cycled).
const COLOURS: [&str; 8] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f",
];

pub fn html(report: &StormReport) -> String {
    let mut page = String::new();
    let title = format!(
        "Boot storm: {} — act {}",
        escape(&report.scenario),
        report.act
    );
    let _ = write!(
        page,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        page,
        "<h1>{title}</h1><p>{} — act “{}”</p>",
        escape(&report.title),
        escape(&report.act_title)
    );
    let verdict_class = if report.as_expected == report.phones && report.machinery_errors == 0 {
        "ok"
    } else {
        "bad"
    };
    let _ = write!(
        page,
        "<p id=\"summary\"><b>{}</b> phones, {} at a time; expected {}. <b class=\"{verdict_class}\" id=\"as-expected\">{} as expected</b>, {} storm machinery error(s). Wall time {}, {:.0} boots/s{}.</p>",
        thousands(report.phones as u64),
        thousands(report.concurrency as u64),
        escape(&expectation(report)),
        thousands(report.as_expected as u64),
        report.machinery_errors,
        duration(report.wall_ms),
        report.boots_per_second,
        report
            .peak_rss_mib
            .map(|mib| format!(", peak resident memory {mib:.0} MiB"))
            .unwrap_or_default()
    );

    page.push_str("<h2>Where the time went</h2><ul id=\"where\">");
    for sentence in &report.where_the_time_went {
        let _ = write!(page, "<li>{}</li>", escape(sentence));
    }
    page.push_str("</ul>");

    page.push_str(
        "<h2>Outcomes</h2><table id=\"outcomes\"><tr><th>outcome</th><th>phones</th></tr>",
    );
    for (outcome, phones) in &report.outcomes {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(outcome),
            thousands(*phones as u64)
        );
    }
    page.push_str("</table>");
    for (heading, samples) in [
        ("Not as expected", &report.unexpected),
        ("Storm machinery errors", &report.machinery),
    ] {
        if samples.is_empty() {
            continue;
        }
        let _ = write!(page, "<h2>{heading}</h2><table>");
        for sample in samples.iter().take(20) {
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(&sample.text),
                thousands(sample.count as u64)
            );
        }
        page.push_str("</table>");
    }

    page.push_str("<h2>Boot latency</h2>");
    page.push_str(&histogram_svg(&report.histogram));
    page.push_str("<h2>Per step</h2>");
    page.push_str(&steps_svg(report));
    page.push_str("<table id=\"steps\"><tr><th>step</th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>share of boot time</th></tr>");
    let _ = write!(
        page,
        "<tr><td>whole boot</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td></td></tr>",
        thousands(report.boot.count),
        duration(report.boot.p50_ms),
        duration(report.boot.p90_ms),
        duration(report.boot.p99_ms),
        duration(report.boot.max_ms)
    );
    for step in &report.steps {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&phrase(&step.step)),
            thousands(step.latency.count),
            duration(step.latency.p50_ms),
            duration(step.latency.p90_ms),
            duration(step.latency.p99_ms),
            duration(step.latency.max_ms),
            percent(step.share)
        );
    }
    page.push_str("</table>");
    if !report.requests.is_empty() {
        page.push_str("<h2>Web requests</h2><table id=\"requests\"><tr><th>host</th><th>result</th><th>requests</th><th>mean</th><th>max</th></tr>");
        for request in &report.requests {
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&request.host),
                request.result.words(),
                thousands(request.count),
                duration(request.total_ms / request.count.max(1) as f64),
                duration(request.max_ms)
            );
        }
        page.push_str("</table>");
    }
    page.push_str("</body></html>\n");
    page
}

/// Bars of phones per latency bucket (buckets double from 1 ms).
fn histogram_svg(buckets: &[(f64, u64)]) -> String {
    let (width, height, left, bottom) = (760.0, 220.0, 50.0, 40.0);
    let highest = buckets.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let bar = (width - left) / buckets.len().max(1) as f64;
    let mut svg = format!(
        "<svg id=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"phones per boot latency\">"
    );
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"12\">phones</text><text x=\"{left}\" y=\"{}\">boot latency (upper bound of each bar)</text>",
        height - 4.0
    );
    for (index, (upper, phones)) in buckets.iter().enumerate() {
        let x = left + index as f64 * bar;
        let h = (height - bottom - 20.0) * (*phones as f64 / highest);
        let y = height - bottom - h;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#4e79a7\"><title>≤ {}: {} phones</title></rect>",
            (bar - 2.0).max(1.0),
            duration(*upper),
            thousands(*phones)
        );
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\">≤{}</text>",
            x,
            (y - 3.0).max(24.0),
            thousands(*phones),
            x,
            height - bottom + 14.0,
            duration(*upper)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One horizontal bar per step: its share of the phones' boot time, with p50 and p99.
fn steps_svg(report: &StormReport) -> String {
    let row = 24.0;
    let (label, width) = (330.0, 760.0);
    let height = row * report.steps.len() as f64 + 8.0;
    let mut svg = format!(
        "<svg id=\"step-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"share of boot time per step\">"
    );
    for (index, step) in report.steps.iter().enumerate() {
        let y = index as f64 * row + 4.0;
        let w = ((width - label - 170.0) * step.share).max(1.0);
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.1}\">{}</text><rect x=\"{label}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\">{} · p50 {} · p99 {}</text>",
            y + 14.0,
            escape(&phrase(&step.step)),
            row - 6.0,
            COLOURS[index % COLOURS.len()],
            escape(&step.step),
            percent(step.share),
            label + w + 6.0,
            y + 14.0,
            percent(step.share),
            duration(step.latency.p50_ms),
            duration(step.latency.p99_ms)
        );
    }
    svg.push_str("</svg>");
    svg
}
