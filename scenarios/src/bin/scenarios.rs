//! `scenarios`: worlds in which a simulated desk phone boots.
//!
//! With no arguments it tells the seed story (a standalone root not published → the phone fails;
//! published → it signs in). `run` checks the catalogue (or given files), `list`, `explain` and
//! `up` let a person read and poke a world. Exit code 0 when everything is as expected, 1 when an
//! expectation failed, 2 on usage or environment errors.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use scenarios::run::RunOptions;
use scenarios::spec::Scenario;

/// `storm`: the progress bar, the page, the exit code (beside this file, so Cargo does not take it
/// for a binary of its own).
#[path = "scenarios/storm.rs"]
mod storm;

#[derive(Parser)]
#[command(
    name = "scenarios",
    version,
    about = "Worlds in which a simulated desk phone boots; with no command, the seed story"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// `scenarios run`'s formats: html also audits every act (its page shows each act's PKI).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RunFormat {
    Text,
    Json,
    Html,
}

#[derive(Subcommand)]
enum Command {
    /// The seed story act by act, with the phone's steps (the default command).
    Seed {
        /// Firmware profile for every act: cpe-2007r2, cpe-2007r2-old-firmware, lpe-2010, or a TOML file.
        #[arg(long)]
        profile: Option<String>,
        /// Print each act's full phone report.
        #[arg(long)]
        verbose: bool,
    },
    /// Run scenarios (default: the built-in catalogue) and check every expectation.
    Run {
        /// Scenario files or directories of *.toml.
        paths: Vec<PathBuf>,
        /// text, json, or html (one self-contained page with each act's pkiview tree; audits).
        #[arg(long, value_enum, default_value_t = RunFormat::Text)]
        format: RunFormat,
        /// Also run `adpki audit` in each act's world and check it agrees with the phone.
        #[arg(long)]
        audit: bool,
        /// Worlds running at once.
        #[arg(long, default_value_t = 8)]
        parallel: usize,
    },
    /// Boot many phones at once in one act's world (each its own user) and show where the time
    /// went: outcomes, boots/s, latency percentiles per boot and per step.
    Storm {
        /// A built-in scenario's name or a file.
        name: String,
        /// The act (1-based) whose world and expectation the storm uses.
        #[arg(long, default_value_t = 1)]
        act: usize,
        #[arg(long, default_value_t = 1000)]
        phones: usize,
        /// Phones booting at once.
        #[arg(long, default_value_t = 500)]
        concurrency: usize,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also write a self-contained HTML page (histogram and per-step chart) to this file.
        #[arg(long)]
        html: Option<PathBuf>,
    },
    /// List the built-in scenarios.
    List,
    /// Print a scenario's story: cause, symptom, fix, acts.
    Explain {
        /// A built-in scenario's name or a file.
        name: String,
    },
    /// Start a scenario's world and keep it running until Ctrl-C.
    Up {
        /// A built-in scenario's name or a file.
        name: String,
        /// Play the first N acts' administrator actions before handing over (default: none).
        #[arg(long, default_value_t = 0)]
        after_act: usize,
        /// Where to write the world's certificates (PEM) and the phone's profile (TOML).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SCENARIOS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,ldap3=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let command = Cli::parse().command.unwrap_or(Command::Seed {
        profile: None,
        verbose: false,
    });
    match command {
        Command::Seed { profile, verbose } => seed(profile, verbose).await,
        Command::Run {
            paths,
            format,
            audit,
            parallel,
        } => run(paths, format, audit, parallel).await,
        Command::Storm {
            name,
            act,
            phones,
            concurrency,
            format,
            html,
        } => {
            storm::run(
                &name,
                scenarios::storm::StormOptions {
                    act,
                    phones,
                    concurrency,
                },
                matches!(format, Format::Json),
                html,
            )
            .await
        }
        Command::List => match scenarios::catalog::scenarios() {
            Ok(all) => {
                emit(&scenarios::output::list(&all));
                ExitCode::SUCCESS
            }
            Err(error) => usage(error),
        },
        Command::Explain { name } => match find(&name) {
            Ok(scenario) => {
                emit(&scenarios::output::explain(&scenario));
                ExitCode::SUCCESS
            }
            Err(error) => usage(error),
        },
        Command::Up {
            name,
            after_act,
            out,
        } => up(&name, after_act, out).await,
    }
}

/// Writes to stdout; a reader that went away (`| head`) is not an error worth a panic.
fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

fn usage(error: impl std::fmt::Display) -> ExitCode {
    eprintln!("scenarios: {error}");
    ExitCode::from(2)
}

/// A built-in scenario by name, or a file.
fn find(name: &str) -> Result<Scenario, String> {
    let path = PathBuf::from(name);
    if path.is_file() {
        return Scenario::load(&path).map_err(|error| error.to_string());
    }
    scenarios::catalog::find(name)
        .map_err(|error| error.to_string())?
        .ok_or_else(|| format!("no scenario {name:?} (see `scenarios list`) and no such file"))
}

/// Files named on the command line (directories: their *.toml, sorted).
fn load(paths: &[PathBuf]) -> Result<Vec<Scenario>, String> {
    if paths.is_empty() {
        return scenarios::catalog::scenarios().map_err(|error| error.to_string());
    }
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|error| format!("{}: {error}", path.display()))?
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|file| file.extension().is_some_and(|ext| ext == "toml"))
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path.clone());
        }
    }
    files
        .iter()
        .map(|file| Scenario::load(file).map_err(|error| error.to_string()))
        .collect()
}

async fn run(paths: Vec<PathBuf>, format: RunFormat, audit: bool, parallel: usize) -> ExitCode {
    let audit = audit || format == RunFormat::Html;
    let scenarios = match load(&paths) {
        Ok(scenarios) => scenarios,
        Err(error) => return usage(error),
    };
    let started = Instant::now();
    let results = scenarios::run::run_all(scenarios, parallel, RunOptions { audit }).await;
    let wall_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match format {
        RunFormat::Text => emit(&format!(
            "{}wall time {wall_ms} ms\n",
            scenarios::output::table(&results)
        )),
        RunFormat::Json => emit(&format!("{}\n", scenarios::output::json(&results, wall_ms))),
        RunFormat::Html => emit(&scenarios::run_html::page(&results, wall_ms)),
    }
    let audit_ok = !audit
        || results
            .iter()
            .all(|result| result.audit_disagreements() == 0);
    if results.iter().all(|result| result.passed()) && audit_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

async fn seed(profile: Option<String>, verbose: bool) -> ExitCode {
    let mut scenario = match find(scenarios::catalog::SEED) {
        Ok(scenario) => scenario,
        Err(error) => return usage(error),
    };
    if let Some(profile) = profile {
        scenario.phone.profile = Some(profile);
        scenario.phone.settings = None;
    }
    emit(&format!("{}\n\n", scenario.title));
    let result = scenarios::run::run(&scenario, RunOptions::default()).await;
    emit(&scenarios::output::story(&result, verbose));
    if let Some(error) = &result.error {
        return usage(error);
    }
    if result.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

async fn up(name: &str, after_act: usize, out: Option<PathBuf>) -> ExitCode {
    let scenario = match find(name) {
        Ok(scenario) => scenario,
        Err(error) => return usage(error),
    };
    let mut world = match scenarios::world::World::start(&scenario).await {
        Ok(world) => world,
        Err(error) => return usage(error),
    };
    for act in scenario.acts.iter().take(after_act) {
        match scenarios::run::act_on(&mut world, act).await {
            Ok(actions) => {
                for action in actions {
                    emit(&format!("{action}\n"));
                }
            }
            Err(error) => return usage(error),
        }
    }
    let out =
        out.unwrap_or_else(|| std::env::temp_dir().join(format!("scenario-{}", scenario.name)));
    match scenarios::files::write(&world, &out) {
        Ok(written) => {
            let profile = scenarios::files::profile_path(&out);
            emit(&scenarios::output::reach(&world, Some(&profile)));
            emit(&format!(
                "\nfiles in {}:\n  {}\n",
                out.display(),
                written.join("\n  ")
            ));
        }
        Err(error) => return usage(error),
    }
    let _ = tokio::signal::ctrl_c().await;
    world.shutdown().await;
    ExitCode::SUCCESS
}
