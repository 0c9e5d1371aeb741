//! `vitrine`: one program that runs a museum. See `vitrine --help`.

mod alloc;
mod bench;
mod bench_http;
mod caches;
mod config;
mod demo;
mod jobs_cli;
mod media_cli;
mod museum;
mod simulate;

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use tokio::net::TcpListener;
use vitrine_kernel::accounts::NewUser;
use vitrine_kernel::{Actor, Role};

use crate::config::{Config, Overrides};
use crate::museum::Museum;

/// Vitrine: collections, conservation and visitor services of a museum, in one program.
#[derive(Parser)]
#[command(name = "vitrine", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the museum lives.
#[derive(Args, Clone)]
pub(crate) struct Where {
    /// Data directory (SQLite database and files).
    #[arg(long, env = "VITRINE_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Use PostgreSQL instead of SQLite, e.g. postgres://vitrine@localhost/vitrine.
    #[arg(long, env = "VITRINE_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
    /// Configuration file (TOML); default DATA/vitrine.toml when present.
    #[arg(long, env = "VITRINE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the museum over HTTP.
    Serve {
        #[command(flatten)]
        at: Where,
        /// Address to listen on.
        #[arg(long, env = "VITRINE_LISTEN", value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Create the demo museum if DATA holds none yet, then serve it.
    Demo {
        #[command(flatten)]
        at: Where,
        /// Address to listen on.
        #[arg(long, env = "VITRINE_LISTEN", value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Number of catalogue records to generate.
        #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..=2_000_000))]
        objects: u32,
        /// Number of objects the demo photographs (drawn images through the media library).
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(0..=200))]
        images: u32,
        /// Seed of the generator (same seed, same museum).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Password of the demo staff accounts.
        #[arg(long, default_value = "vitrine-demo", value_name = "P")]
        demo_password: String,
        /// Generate the museum and exit instead of serving it.
        #[arg(long)]
        no_serve: bool,
        /// Do not feed the demo's sensors with simulated readings.
        #[arg(long)]
        no_simulate: bool,
        /// History the simulator writes when the demo has none (e.g. 30d, 365d).
        #[arg(long, default_value = "30d", value_name = "SPAN")]
        backfill: String,
    },
    /// Feed the demo museum's sensors with believable readings: history (`--backfill`)
    /// then live readings every 30 s, in process or to a server with `--url`.
    Simulate {
        #[command(flatten)]
        at: Where,
        /// History to write first, e.g. 365d (default: since the last simulated reading, at most 1 day).
        #[arg(long, value_name = "SPAN")]
        backfill: Option<String>,
        /// Send to this server's line-protocol endpoint instead of writing in process,
        /// e.g. http://127.0.0.1:8080/api/v2/write
        #[arg(long)]
        url: Option<String>,
        /// Token for `--url` (an ingest token or a conservator's API token).
        #[arg(long, env = "VITRINE_INGEST_TOKEN")]
        token: Option<String>,
        /// Publish to this MQTT broker instead (`vitrine/sensors/{code}`), e.g. mqtt://127.0.0.1:1883
        #[arg(long, conflicts_with = "url")]
        mqtt: Option<String>,
        /// Write the history and stop.
        #[arg(long)]
        no_live: bool,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Rebuild the search index from the database, with a progress bar. A server running
    /// on the same data switches to the new index when it is complete.
    Reindex {
        #[command(flatten)]
        at: Where,
    },
    /// Measure search: run a query set in process (and against SQLite FTS5 with
    /// `--fts5`) and print latency percentiles; see docs/benchmarks.md.
    BenchSearch {
        #[command(flatten)]
        at: Where,
        /// Query set: `kind<TAB>params` per line.
        #[arg(long, default_value = "bench/search-queries.tsv")]
        queries: PathBuf,
        /// Times each query runs.
        #[arg(long, default_value_t = 5)]
        rounds: u32,
        /// Also list this many queries with the highest median time.
        #[arg(long, default_value_t = 0)]
        slowest: usize,
        /// Also build an FTS5 trigram table of the same records and compare.
        #[arg(long)]
        fts5: bool,
    },
    /// Send generated sensor readings (InfluxDB line protocol) to a URL over several
    /// connections and print the rate; see scripts/bench_ingest.py and docs/benchmarks.md.
    BenchIngest {
        #[command(flatten)]
        plan: bench_http::IngestPlan,
    },
    /// Repeat a GET and print client and server (Server-Timing) latency percentiles.
    BenchGet {
        /// The URL.
        #[arg(long)]
        url: String,
        /// `Authorization` header value.
        #[arg(long)]
        auth: Option<String>,
        /// Repetitions.
        #[arg(long, default_value_t = 200)]
        repeat: usize,
    },
    /// Background jobs: list, follow with a progress bar, cancel, retry.
    Jobs {
        #[command(subcommand)]
        action: jobs_cli::JobsCommand,
    },
    /// The media library: import images, check fixity, remake pyramids.
    Media {
        #[command(subcommand)]
        action: media_cli::MediaCommand,
    },
    /// Bring the database schema up to date and exit.
    Migrate {
        #[command(flatten)]
        at: Where,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account; the password is read from standard input.
    Add {
        /// Login name (a–z, 0–9, _ - .).
        name: String,
        /// Role: admin, registrar, curator, conservator, media, visitor_services, outreach, licensing or viewer.
        #[arg(long)]
        role: String,
        /// Name shown in history (default: the login name).
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        at: Where,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        at: Where,
    },
}

pub(crate) fn load(at: &Where, listen: Option<SocketAddr>) -> anyhow::Result<Config> {
    Config::load(
        at.config.as_deref(),
        Overrides {
            data: at.data.clone(),
            listen,
            database_url: at.database_url.clone(),
        },
    )
}

/// Sets up the demo sensors and writes their missing history (and live readings at the `live` interval).
async fn simulated(
    museum: &Museum,
    c: &vitrine_conservation::Conservation,
    backfill: std::time::Duration,
    live: Option<std::time::Duration>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let now = chrono::Utc::now().timestamp_millis();
    let sensors = simulate::setup(museum, c, now - backfill.as_millis() as i64 - 60_000).await?;
    let from = simulate::resume_from(c, backfill).await?;
    let sink = simulate::Sink::InProcess(Box::new(c.clone()));
    if live.is_none() {
        simulate::run(sink, sensors, from, None).await?;
        return Ok(None);
    }
    Ok(Some(tokio::spawn(async move {
        if let Err(e) = simulate::run(sink, sensors, from, live).await {
            tracing::warn!(error = %e, "simulator stopped");
        }
    })))
}

async fn serve(
    museum: Museum,
    cfg: &Config,
    simulate: Option<std::time::Duration>,
) -> anyhow::Result<()> {
    alloc::keep_freed_memory();
    let search = museum.search(cfg).await?;
    // Follows the outbox; builds the index first when there is none.
    search.spawn_follower();
    let conservation = museum.conservation(cfg).await?;
    let flusher = conservation.spawn_background();
    // Control rules act on actuators and the MQTT subscription takes each reading once:
    // one node of those sharing the database does each (the leader of its lease).
    let node = museum::node_name(cfg);
    let leader = |name: &str| {
        vitrine_kernel::leader::Leader::new(
            museum.db.clone(),
            name,
            &node,
            vitrine_kernel::leader::DEFAULT_TTL,
        )
    };
    let control_lease = leader("control_rules");
    let controller = {
        let c = conservation.clone();
        control_lease
            .clone()
            .spawn_while_leader(move || c.spawn_controller())
    };
    let mqtt_lease = leader("mqtt_ingest");
    let mqtt = match cfg.mqtt_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(url) => {
            let s = vitrine_conservation::mqtt::MqttSettings::from_url(
                url,
                &cfg.mqtt_topic,
                &cfg.mqtt_client_id,
            )
            .map_err(anyhow::Error::msg)?;
            println!(
                "taking readings from MQTT {}:{} topic {} (on the node that leads mqtt_ingest)",
                s.host, s.port, s.topic
            );
            let c = conservation.clone();
            Some(mqtt_lease.clone().spawn_while_leader(move || {
                vitrine_conservation::mqtt::spawn(c.clone(), s.clone())
            }))
        }
        None => None,
    };
    let cache_follower = caches::spawn_follower(
        museum.db.clone(),
        museum.collections.clone(),
        conservation.clone(),
    );
    let simulator = match simulate {
        Some(backfill) => {
            simulated(&museum, &conservation, backfill, Some(cfg.simulate_every())).await?
        }
        None => None,
    };
    let media = museum.media(cfg)?;
    let worker = media.spawn_worker();
    let media_follower = media.spawn_follower();
    let jobs = museum.worker(cfg, &search, &media)?.spawn();
    // Revocations and account changes made on other nodes empty this node's token cache.
    let epoch_watch = museum.accounts.spawn_epoch_watch();
    let webhooks = museum.webhooks(cfg)?;
    let dispatcher = webhooks.spawn_dispatcher();
    let app = vitrine_web::router(museum.app(cfg, search, conservation.clone(), media, webhooks));
    let listener = TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "Vitrine is serving http://{addr}/  (staff: http://{addr}/staff, API docs: http://{addr}/api/docs)"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    flusher.abort();
    for task in [
        simulator,
        mqtt,
        Some(controller),
        Some(worker),
        Some(media_follower),
        Some(epoch_watch),
        Some(dispatcher),
        Some(cache_follower),
    ]
    .into_iter()
    .flatten()
    {
        task.abort();
    }
    // Another node may lead at once rather than wait the leases out.
    for lease in [&control_lease, &mqtt_lease] {
        let _ = lease.release().await;
    }
    // Running jobs stop at their next check; a job cut off is resumed by the next node.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), jobs.stop()).await;
    // Fold what is in memory into day rows now (it is durable either way).
    conservation.readings().flush().await?;
    museum.db.close().await?;
    Ok(())
}

async fn reindex(museum: Museum, cfg: &Config) -> anyhow::Result<()> {
    let search = museum.search(cfg).await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} records  {per_sec}  eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = search
        .rebuild(&|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    println!(
        "search index {} built: {} records ({} public) in {:.1} s, {:.1} MB",
        report.generation,
        report.staff_documents,
        report.public_documents,
        report.seconds,
        report.size_bytes as f64 / 1e6
    );
    museum.db.close().await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { at, listen } => {
            let cfg = load(&at, listen)?;
            let museum = Museum::open(&cfg).await?;
            serve(museum, &cfg, None).await
        }
        Command::Demo {
            at,
            listen,
            objects,
            images,
            seed,
            demo_password,
            no_serve,
            no_simulate,
            backfill,
        } => {
            let cfg = load(&at, listen)?;
            let backfill = simulate::parse_span(&backfill)?;
            let museum = Museum::open(&cfg).await?;
            if demo::ensure(&museum, objects, seed, &demo_password).await? {
                let media = museum.media(&cfg)?;
                let n = demo::images::ensure(&media, &museum.collections, images as usize, seed)
                    .await?;
                if n > 0 {
                    println!("{n} demo objects photographed (media library, IIIF).");
                }
            }
            match (no_serve, no_simulate) {
                (true, true) => Ok(()),
                (true, false) => {
                    let c = museum.conservation(&cfg).await?;
                    simulated(&museum, &c, backfill, None).await?;
                    c.readings().flush().await?;
                    Ok(())
                }
                (false, sim) => serve(museum, &cfg, (!sim).then_some(backfill)).await,
            }
        }
        Command::Simulate {
            at,
            backfill,
            url,
            token,
            mqtt,
            no_live,
        } => {
            let cfg = load(&at, None)?;
            let span = match &backfill {
                Some(b) => simulate::parse_span(b)?,
                None => std::time::Duration::from_secs(86_400),
            };
            let museum = Museum::open(&cfg).await?;
            let c = museum.conservation(&cfg).await?;
            let now = chrono::Utc::now().timestamp_millis();
            let sensors =
                simulate::setup(&museum, &c, now - span.as_millis() as i64 - 60_000).await?;
            let from = if backfill.is_some() {
                now - span.as_millis() as i64
            } else {
                simulate::resume_from(&c, span).await?
            };
            let sink = match (url, mqtt) {
                (_, Some(m)) => simulate::Sink::mqtt(&m)?,
                (Some(url), None) => {
                    let Some(token) = token else {
                        bail!("--url needs --token (an ingest token or a conservator's API token)");
                    };
                    simulate::Sink::Http {
                        url,
                        auth: format!("Token {token}"),
                    }
                }
                (None, None) => {
                    // Writing in process: fold readings into day rows as we go.
                    c.spawn_background();
                    simulate::Sink::InProcess(Box::new(c.clone()))
                }
            };
            println!(
                "simulating {} sensors{}",
                sensors.len(),
                if no_live { "" } else { "; Ctrl-C to stop" }
            );
            tokio::select! {
                r = simulate::run(sink, sensors, from, (!no_live).then(|| cfg.simulate_every())) => r?,
                _ = shutdown() => {}
            }
            c.readings().flush().await?;
            Ok(())
        }
        Command::Jobs { action } => jobs_cli::run(action).await,
        Command::Media { action } => media_cli::run(action).await,
        Command::Reindex { at } => {
            alloc::keep_freed_memory();
            let cfg = load(&at, None)?;
            let museum = Museum::open(&cfg).await?;
            reindex(museum, &cfg).await
        }
        Command::BenchSearch {
            at,
            queries,
            rounds,
            slowest,
            fts5,
        } => {
            // Measured as the server runs.
            alloc::keep_freed_memory();
            let cfg = load(&at, None)?;
            let museum = Museum::open(&cfg).await?;
            let search = museum.search(&cfg).await?;
            bench::run(&museum, &search, &queries, rounds, slowest, fts5, &cfg.data).await
        }
        Command::BenchIngest { plan } => bench_http::ingest(plan).await,
        Command::BenchGet { url, auth, repeat } => {
            bench_http::get(&url, auth.as_deref(), repeat).await
        }
        Command::Migrate { at } => {
            let cfg = load(&at, None)?;
            Museum::open(&cfg).await?;
            println!("database schema is up to date");
            Ok(())
        }
        Command::User {
            action:
                UserCommand::Add {
                    name,
                    role,
                    display_name,
                    at,
                },
        } => {
            let Some(role) = Role::parse(&role) else {
                bail!(
                    "unknown role `{role}`: use one of {}",
                    Role::ALL.map(|r| r.as_str()).join(", ")
                );
            };
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let cfg = load(&at, None)?;
            let museum = Museum::open(&cfg).await?;
            let user = NewUser {
                display_name: display_name.unwrap_or_else(|| name.clone()),
                username: name.clone(),
                role,
                password,
            };
            museum
                .accounts
                .create_user(&Actor::System("cli"), user)
                .await?;
            println!("added {name} ({})", role.as_str());
            Ok(())
        }
        Command::User {
            action: UserCommand::List { at },
        } => {
            let cfg = load(&at, None)?;
            let museum = Museum::open(&cfg).await?;
            for u in museum.accounts.list_users(&Actor::System("cli")).await? {
                println!(
                    "{:<20} {:<18} {}{}",
                    u.username,
                    u.role.as_str(),
                    u.display_name,
                    if u.disabled { " (disabled)" } else { "" }
                );
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("VITRINE_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Log collectors (Loki, Elasticsearch, journald's JSON) take one JSON object a line.
    // Read before the configuration, so its own errors are logged in the chosen form.
    if std::env::var("VITRINE_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        log.json().with_current_span(false).init();
    } else {
        log.init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
