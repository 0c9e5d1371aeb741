//! `vitrine bench-ingest` and `vitrine bench-get`: a small HTTP/1.1 load generator for the
//! monitoring benchmarks. The same generated line-protocol payload goes to Vitrine,
//! VictoriaMetrics and InfluxDB (scripts/bench_ingest.py drives all three), so the
//! comparison measures the servers, not the clients. Nothing here is a pass/fail test.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::demo::rng::Rng;

/// What to generate and where to send it (the flags of `vitrine bench-ingest`).
#[derive(clap::Args)]
pub struct IngestPlan {
    /// Where to POST, e.g. http://127.0.0.1:8080/api/v2/write?precision=ns
    #[arg(long)]
    pub url: String,
    /// `Authorization` header value, e.g. "Token vti_…".
    #[arg(long)]
    pub auth: Option<String>,
    /// Lines in all.
    #[arg(long, default_value_t = 2_000_000)]
    pub lines: usize,
    /// Lines per request.
    #[arg(long, default_value_t = 5_000)]
    pub batch: usize,
    /// Concurrent connections.
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
    /// Number of sensors (`{prefix}0001`…; readings 60 s apart per sensor).
    #[arg(long, default_value_t = 500)]
    pub sensors: usize,
    /// Sensor code prefix.
    #[arg(long, default_value = "S")]
    pub prefix: String,
    /// Fields per line, out of t, rh, lux, co2.
    #[arg(long, default_value = "t,rh,lux,co2", value_delimiter = ',')]
    pub fields: Vec<String>,
    /// Time of the first reading, ms since 1970 (default: the last reading is now).
    #[arg(long)]
    pub start_ms: Option<i64>,
}

struct Target {
    host: String,
    path: String,
}

fn target(url: &str) -> anyhow::Result<Target> {
    let rest = url
        .strip_prefix("http://")
        .context("only http:// URLs (the benchmarks run on loopback)")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    Ok(Target {
        host: host.to_owned(),
        path: path.to_owned(),
    })
}

/// The benchmark payload: `env,sensor=S0001,space=G01 t=20.13,rh=48.07,lux=151.3,co2=431.9 <ns>`,
/// sensor after sensor for each minute, cut into requests of `batch` lines.
fn payload(plan: &IngestPlan) -> Vec<Vec<u8>> {
    let minutes = plan.lines.div_ceil(plan.sensors);
    let now = chrono::Utc::now().timestamp_millis() / 60_000 * 60_000;
    let start = plan.start_ms.unwrap_or(now - (minutes as i64 - 1) * 60_000);
    let mut rng = Rng::new(7);
    // Random walks, per sensor and field, in hundredths (t, rh) or tenths (lux, co2).
    let mut state: Vec<[i64; 4]> = (0..plan.sensors)
        .map(|_| {
            [
                2000 + rng.range(-100, 100),
                4800 + rng.range(-300, 300),
                1500 + rng.range(-200, 200),
                4300 + rng.range(-200, 200),
            ]
        })
        .collect();
    let names = ["t", "rh", "lux", "co2"];
    let which: Vec<usize> = plan
        .fields
        .iter()
        .filter_map(|f| names.iter().position(|n| n == f))
        .collect();
    let mut bodies = Vec::new();
    let mut body = Vec::with_capacity(plan.batch * 80);
    let mut n = 0usize;
    'outer: for m in 0..minutes {
        let ts_ns = (start + m as i64 * 60_000) * 1_000_000;
        for (s, st) in state.iter_mut().enumerate() {
            if n == plan.lines {
                break 'outer;
            }
            st[0] = (st[0] + rng.range(-3, 3)).clamp(1500, 2800);
            st[1] = (st[1] + rng.range(-8, 8)).clamp(3000, 7500);
            st[2] = (st[2] + rng.range(-20, 20)).clamp(0, 4000);
            st[3] = (st[3] + rng.range(-15, 15)).clamp(3500, 12000);
            let vals = [
                format!("{}.{:02}", st[0] / 100, st[0] % 100),
                format!("{}.{:02}", st[1] / 100, st[1] % 100),
                format!("{}.{}", st[2] / 10, st[2] % 10),
                format!("{}.{}", st[3] / 10, st[3] % 10),
            ];
            let fields: Vec<String> = which
                .iter()
                .map(|&i| format!("{}={}", names[i], vals[i]))
                .collect();
            body.extend_from_slice(
                format!(
                    "env,sensor={}{:04},space=G{:02} {} {ts_ns}\n",
                    plan.prefix,
                    s + 1,
                    s % 50 + 1,
                    fields.join(",")
                )
                .as_bytes(),
            );
            n += 1;
            if n.is_multiple_of(plan.batch) {
                bodies.push(std::mem::replace(
                    &mut body,
                    Vec::with_capacity(plan.batch * 80),
                ));
            }
        }
    }
    if !body.is_empty() {
        bodies.push(body);
    }
    bodies
}

/// Sends one request on a kept-alive connection; returns the status and the body.
async fn request(
    conn: &mut BufReader<TcpStream>,
    t: &Target,
    method: &str,
    auth: Option<&str>,
    body: &[u8],
) -> anyhow::Result<(u16, Vec<u8>, Option<f64>)> {
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n",
        t.path,
        t.host,
        body.len()
    );
    if let Some(a) = auth {
        head.push_str(&format!("Authorization: {a}\r\n"));
    }
    head.push_str("\r\n");
    let s = conn.get_mut();
    s.write_all(head.as_bytes()).await?;
    s.write_all(body).await?;
    let mut line = String::new();
    conn.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .with_context(|| format!("bad status line {line:?}"))?;
    let (mut len, mut chunked, mut server_ms) = (0usize, false, None);
    loop {
        line.clear();
        conn.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        } else if let Some(v) = lower.strip_prefix("server-timing:") {
            server_ms = v.split("dur=").nth(1).and_then(|d| d.trim().parse().ok());
        }
    }
    let mut out = Vec::new();
    if chunked {
        loop {
            line.clear();
            conn.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            conn.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..size]);
        }
    } else {
        out.resize(len, 0);
        conn.read_exact(&mut out).await?;
    }
    Ok((status, out, server_ms))
}

/// A kept-alive HTTP/1.1 connection for posting line protocol (the simulator's).
pub struct Client {
    conn: BufReader<TcpStream>,
    target: Target,
}

impl Client {
    /// Connects to the host of `url`.
    pub async fn connect(url: &str) -> anyhow::Result<Client> {
        let target = target(url)?;
        Ok(Client {
            conn: connect(&target).await?,
            target,
        })
    }

    /// POSTs a body; fails unless the answer is 2xx.
    pub async fn post(&mut self, url: &str, auth: &str, body: &[u8]) -> anyhow::Result<()> {
        self.target = target(url)?;
        let (status, resp, _) =
            request(&mut self.conn, &self.target, "POST", Some(auth), body).await?;
        if !(200..300).contains(&status) {
            bail!(
                "{url} answered {status}: {}",
                String::from_utf8_lossy(&resp)
            );
        }
        Ok(())
    }
}

async fn connect(t: &Target) -> anyhow::Result<BufReader<TcpStream>> {
    let s = TcpStream::connect(&t.host)
        .await
        .with_context(|| format!("cannot connect to {}", t.host))?;
    s.set_nodelay(true)?;
    Ok(BufReader::with_capacity(64 * 1024, s))
}

/// Generates the payload, sends it, and prints one JSON line of figures.
pub async fn ingest(plan: IngestPlan) -> anyhow::Result<()> {
    if plan.lines == 0 || plan.batch == 0 || plan.connections == 0 || plan.sensors == 0 {
        bail!("--lines, --batch, --connections and --sensors must be above 0");
    }
    let t = Arc::new(target(&plan.url)?);
    let gen_start = Instant::now();
    let bodies = Arc::new(payload(&plan));
    let gen_s = gen_start.elapsed().as_secs_f64();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..plan.connections {
        let (t, bodies, next, auth) = (t.clone(), bodies.clone(), next.clone(), plan.auth.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = connect(&t).await?;
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let t0 = Instant::now();
                let (status, resp, _) =
                    request(&mut conn, &t, "POST", auth.as_deref(), body).await?;
                lat.push(t0.elapsed());
                if !(200..300).contains(&status) {
                    bail!(
                        "request {i} answered {status}: {}",
                        String::from_utf8_lossy(&resp)
                    );
                }
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    for task in tasks {
        lat.extend(task.await??);
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort();
    let values = plan.lines * plan.fields.len();
    println!(
        "{}",
        serde_json::json!({
            "lines": plan.lines,
            "values": values,
            "requests": bodies.len(),
            "payload_bytes": bytes,
            "seconds": secs,
            "values_per_s": values as f64 / secs,
            "lines_per_s": plan.lines as f64 / secs,
            "request_p50_ms": pct(&lat, 0.50),
            "request_p99_ms": pct(&lat, 0.99),
            "generate_s": gen_s,
        })
    );
    Ok(())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// Repeats a GET on one connection; prints client and server (Server-Timing) percentiles.
pub async fn get(url: &str, auth: Option<&str>, repeat: usize) -> anyhow::Result<()> {
    let t = target(url)?;
    let mut conn = connect(&t).await?;
    let (mut client, mut server) = (Vec::new(), Vec::new());
    let mut size = 0;
    for i in 0..repeat.max(1) + 3 {
        let t0 = Instant::now();
        let (status, body, server_ms) = request(&mut conn, &t, "GET", auth, b"").await?;
        let el = t0.elapsed();
        if status != 200 {
            bail!("GET answered {status}: {}", String::from_utf8_lossy(&body));
        }
        // The first three warm caches and connections.
        if i >= 3 {
            client.push(el);
            if let Some(ms) = server_ms {
                server.push(Duration::from_secs_f64(ms / 1000.0));
            }
        }
        size = body.len();
    }
    client.sort();
    server.sort();
    println!(
        "{}",
        serde_json::json!({
            "repeat": client.len(),
            "body_bytes": size,
            "client_p50_ms": pct(&client, 0.5),
            "client_p99_ms": pct(&client, 0.99),
            "server_p50_ms": (!server.is_empty()).then(|| pct(&server, 0.5)),
            "server_p99_ms": (!server.is_empty()).then(|| pct(&server, 0.99)),
        })
    );
    Ok(())
}
