//! `scenarios run --format html`: a run as one self-contained page — a summary table, then for
//! every act what the administrator did, what the phone did against what was expected, and the
//! pkiview-shaped tree of that act's directory with the audit's verdict (the run audits every
//! act for this page). Inline CSS, no script, no outside assets.

use std::fmt::Write;

use ad_common::html::escape;

use crate::run::{ActResult, ScenarioResult};

const STYLE: &str = "table.summary td,table.summary th{padding:.15em .6em;border-bottom:1px solid #eee;text-align:left}\
.pass{color:#2e7d32;font-weight:600}.fail{color:#b00020;font-weight:600}details{margin:.4em 0 .4em 1em}\
summary{cursor:pointer}section.scenario{margin-top:1.6em}";

pub fn page(results: &[ScenarioResult], wall_ms: u64) -> String {
    let passed = results.iter().filter(|result| result.passed()).count();
    let boots: usize = results.iter().map(|result| result.acts.len()).sum();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Scenario run: {passed}/{} as expected</title><style>{}{STYLE}</style></head><body>",
        results.len(),
        adpki::audit::html::STYLE
    );
    let _ = write!(
        out,
        "<h1>Scenario run</h1><p id=\"totals\" data-passed=\"{passed}\" data-scenarios=\"{}\">{passed}/{} scenarios as expected ({boots} boots), wall time {wall_ms} ms.</p>",
        results.len(),
        results.len()
    );
    out.push_str("<table class=\"summary\"><tr><th>scenario</th><th>act</th><th>expected</th><th>phone</th><th>audit</th><th>result</th></tr>");
    for result in results {
        if let Some(error) = &result.error {
            let _ = write!(
                out,
                "<tr><td>{}</td><td colspan=\"4\">{}</td><td class=\"fail\">ERROR</td></tr>",
                escape(&result.name),
                escape(error)
            );
        }
        for act in &result.acts {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                escape(&result.name),
                escape(&act.title),
                escape(&act.expected.outcome.to_string()),
                escape(&phone_outcome(act)),
                audit_word(act),
                if act.failures.is_empty() { "pass" } else { "fail" },
                if act.failures.is_empty() { "as expected" } else { "UNEXPECTED" }
            );
        }
    }
    out.push_str("</table>");
    for result in results {
        scenario(&mut out, result);
    }
    out.push_str("</body></html>\n");
    out
}

fn scenario(out: &mut String, result: &ScenarioResult) {
    let _ = write!(
        out,
        "<section class=\"scenario\" id=\"{}\" data-passed=\"{}\"><h2>{} — {}</h2>",
        escape(&result.name),
        result.passed(),
        escape(&result.name),
        escape(&result.title)
    );
    for (index, act) in result.acts.iter().enumerate() {
        let _ = write!(
            out,
            "<details class=\"act\" data-act=\"{}\"{}><summary>Act {}: {} — <span class=\"{}\">{}</span></summary>",
            index + 1,
            if act.failures.is_empty() { "" } else { " open" },
            index + 1,
            escape(&act.title),
            if act.failures.is_empty() { "pass" } else { "fail" },
            escape(&phone_outcome(act))
        );
        if !act.actions.is_empty() {
            out.push_str("<p>Administrator: ");
            out.push_str(&escape(&act.actions.join("; ")));
            out.push_str("</p>");
        }
        for failure in &act.failures {
            let _ = write!(out, "<p class=\"fail\">{}</p>", escape(failure));
        }
        if let Some(report) = act.audit.as_ref().and_then(|audit| audit.report.as_ref()) {
            out.push_str(&adpki::audit::html::verdict(report));
            out.push_str(&adpki::audit::html::tree(report));
        } else if let Some(audit) = &act.audit {
            let _ = write!(out, "<p>Audit: {}</p>", escape(&audit.reason));
        }
        out.push_str("</details>");
    }
    out.push_str("</section>");
}

fn phone_outcome(act: &ActResult) -> String {
    match &act.report {
        Some(report) => match report.path {
            Some(path) => format!("{} ({})", report.outcome, path.name()),
            None => report.outcome.to_string(),
        },
        None => "-".into(),
    }
}

fn audit_word(act: &ActResult) -> &'static str {
    match act.audit.as_ref().and_then(|audit| audit.agrees) {
        Some(true) => "agrees",
        Some(false) => "DISAGREES",
        None => "-",
    }
}
