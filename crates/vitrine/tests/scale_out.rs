//! Two `vitrine serve` processes on one PostgreSQL database, as a production layout runs
//! them: a revocation on one is refused by the other, a change on one is found by search
//! and shown with fresh labels on the other, and one node at a time leads the control
//! rules, the other taking over when the leader is killed.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_vitrine");

/// One `vitrine serve`; killed when dropped.
struct Node {
    name: String,
    child: Child,
    base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    /// Ends the process the hard way (no lease given up, no job stopped).
    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database, its shared media directory and the nodes on it.
struct Cluster {
    url: String,
    /// Dropped after the nodes: the database goes with it.
    _db: vitrine_testkit::TestDb,
    dir: PathBuf,
    nodes: Vec<Node>,
    http: reqwest::Client,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.nodes.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    /// A demo museum on a fresh PostgreSQL database and `n` nodes serving it; `None`
    /// (skipped) when PostgreSQL cannot be reached outside CI.
    async fn start(n: usize) -> Option<Cluster> {
        let db = vitrine_testkit::postgres(&[]).await?;
        let url = db.url.clone();
        let dir = std::env::temp_dir().join(format!("vt-scale-{}", uuid::Uuid::now_v7().simple()));
        let media = dir.join("media");
        std::fs::create_dir_all(&media).unwrap();
        let seeded = Command::new(BIN)
            .args([
                "demo",
                "--no-serve",
                "--no-simulate",
                "--objects",
                "40",
                "--images",
                "0",
            ])
            .args(["--database-url", &url, "--data"])
            .arg(dir.join("seed"))
            .env("VITRINE_MEDIA_DIR", &media)
            .output()
            .unwrap();
        assert!(
            seeded.status.success(),
            "demo: {}",
            String::from_utf8_lossy(&seeded.stderr)
        );
        let mut c = Cluster {
            url,
            _db: db,
            dir,
            nodes: Vec::new(),
            http: reqwest::Client::new(),
        };
        for i in 0..n {
            c.add_node(&format!("n{i}")).await;
        }
        Some(c)
    }

    async fn add_node(&mut self, name: &str) {
        let port = free_port();
        let data = self.dir.join(name);
        std::fs::create_dir_all(&data).unwrap();
        let log = std::fs::File::create(data.join("log")).unwrap();
        let child = Command::new(BIN)
            .args(["serve", "--database-url", &self.url, "--data"])
            .arg(&data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("VITRINE_NODE_NAME", name)
            .env("VITRINE_MEDIA_DIR", self.dir.join("media"))
            .env("VITRINE_JOB_LEASE_SECS", "3")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let node = Node {
            name: name.into(),
            child,
            base: base.clone(),
        };
        let started = Instant::now();
        loop {
            let ready = self
                .http
                .get(format!("{base}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ready {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "node {name} not ready: {}",
                std::fs::read_to_string(data.join("log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.nodes.push(node);
    }

    fn base(&self, i: usize) -> &str {
        &self.nodes[i].base
    }

    async fn login(&self, i: usize, user: &str) -> String {
        let r: Value = self
            .http
            .post(format!("{}/api/v1/session", self.base(i)))
            .json(&json!({"username": user, "password": "vitrine-demo"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["token"].as_str().expect("a session token").to_owned()
    }

    async fn get(&self, i: usize, path: &str, token: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base(i)))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Asks again every 50 ms until `ok` holds (at most `limit`); returns how long it took.
    async fn until<F, Fut>(&self, limit: Duration, mut ok: F) -> Option<Duration>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while started.elapsed() < limit {
            if ok().await {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// Who holds a leader lease now (the node's name), read from the database.
    async fn leader(&self, lease: &str) -> Option<String> {
        let db = vitrine_kernel::Db::connect(&self.url).await.unwrap();
        #[derive(sea_orm::FromQueryResult)]
        struct Holder {
            holder: String,
        }
        let now = chrono::Utc::now().timestamp_millis();
        let h: Option<Holder> = vitrine_kernel::sql::fetch_one(
            db.conn(),
            "SELECT holder FROM leader_leases WHERE name = ? AND until_ms > ?",
            vec![lease.into(), now.into()],
        )
        .await
        .unwrap();
        db.close().await.ok();
        h.and_then(|h| h.holder.split('/').next().map(str::to_owned))
    }
}

#[tokio::test]
async fn a_session_ended_on_one_node_is_refused_by_the_other() {
    let Some(c) = Cluster::start(2).await else {
        return;
    };
    let token = c.login(0, "registrar").await;
    // Node 1 has taken the token (and keeps it in its cache).
    assert_eq!(c.get(1, "/api/v1/tokens", &token).await.0, 200);
    let ended = c
        .http
        .delete(format!("{}/api/v1/session", c.base(0)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 204);
    let took = c
        .until(Duration::from_secs(5), || async {
            c.get(1, "/api/v1/tokens", &token).await.0 == 401
        })
        .await;
    assert!(took.is_some(), "node 1 still takes the ended session");
    eprintln!("refused on the other node after {took:?}");
}

#[tokio::test]
async fn a_record_made_on_one_node_is_found_by_search_on_the_other() {
    let Some(c) = Cluster::start(2).await else {
        return;
    };
    let token = c.login(0, "registrar").await;
    let made = c
        .http
        .post(format!("{}/api/v1/objects", c.base(0)))
        .bearer_auth(&token)
        .json(&json!({
            "object_number": "SCALE-0001",
            "title": {"en": "Quokkaphone of the scale-out test", "zh-Hans": "扩展测试的乐器"},
            "department": "history"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201, "{}", made.text().await.unwrap());
    let took = c
        .until(Duration::from_secs(10), || async {
            let (s, v) = c.get(1, "/api/v1/search?q=quokkaphone", &token).await;
            s == 200 && v["total"].as_u64() == Some(1)
        })
        .await;
    assert!(took.is_some(), "node 1's search never found the new record");
    eprintln!("found on the other node after {took:?}");
}

#[tokio::test]
async fn a_term_renamed_on_one_node_shows_renamed_on_the_other() {
    let Some(c) = Cluster::start(2).await else {
        return;
    };
    let token = c.login(0, "registrar").await;
    let (_, list) = c.get(1, "/api/v1/objects?limit=1", &token).await;
    let object = list["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/objects/{object}");
    let (_, record) = c.get(1, &path, &token).await;
    let term = record["object_name_id"].as_str().unwrap().to_owned();
    let term_path = format!("/api/v1/terms/{term}");
    let (_, before) = c.get(0, &term_path, &token).await;
    // The record as it is, but for its label.
    let mut input = serde_json::Map::new();
    for k in [
        "vocabulary",
        "label",
        "parent_id",
        "variants",
        "note",
        "code",
        "aat_uri",
    ] {
        if let Some(v) = before.get(k).filter(|v| !v.is_null()) {
            input.insert(k.into(), v.clone());
        }
    }
    input["label"]["en"] = json!("Renamed on node zero");
    let renamed = c
        .http
        .put(format!("{}{term_path}", c.base(0)))
        .bearer_auth(&token)
        .header("if-match", format!("\"{}\"", before["version"]))
        .json(&input)
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200, "{}", renamed.text().await.unwrap());
    let took = c
        .until(Duration::from_secs(5), || async {
            let (_, v) = c.get(1, &path, &token).await;
            v.to_string().contains("Renamed on node zero")
        })
        .await;
    assert!(took.is_some(), "node 1 still shows the old label");
}

#[tokio::test]
async fn one_node_leads_the_control_rules_and_another_takes_over_when_it_is_killed() {
    let Some(mut c) = Cluster::start(2).await else {
        return;
    };
    let first = c.leader("control_rules").await.expect("a leader");
    let names: Vec<String> = c.nodes.iter().map(|n| n.name.clone()).collect();
    assert!(names.contains(&first));
    let i = names.iter().position(|n| *n == first).unwrap();
    c.nodes[i].kill9();
    let took = c
        .until(Duration::from_secs(30), || async {
            c.leader("control_rules").await.is_some_and(|l| l != first)
        })
        .await;
    assert!(took.is_some(), "no node took the lease over from {first}");
}
