//! `vitrine demo`: a deterministic, bilingual demo museum of a Lingnan provincial museum —
//! staff accounts for every role, authorities, thousands of catalogue records, and the
//! buildings, galleries, storerooms and showcases later monitoring will use.

pub(crate) mod authorities;
pub(crate) mod images;
mod objects;
pub(crate) mod rng;
mod vocab;

use std::io::Write;
use std::time::Instant;

use vitrine_kernel::accounts::NewUser;
use vitrine_kernel::{Actor, Role};

use crate::museum::Museum;
use rng::Rng;

/// Records per import transaction: big enough to be fast, small enough to keep SQLite's
/// writer free for other work in between.
const BATCH: usize = 2000;

/// Generates the demo museum unless the database already holds one (any account); true
/// when it made one.
pub async fn ensure(m: &Museum, objects: u32, seed: u64, password: &str) -> anyhow::Result<bool> {
    if m.accounts.count_users().await? > 0 {
        println!("This museum already exists; serving it as it is.");
        print_accounts(password, false);
        return Ok(false);
    }
    let started = Instant::now();
    let sys = Actor::System("demo");
    for role in Role::ALL {
        let name = role.as_str();
        let user = NewUser {
            username: name.into(),
            display_name: format!("Demo {name}"),
            role,
            password: password.into(),
        };
        m.accounts.create_user(&sys, user).await?;
    }
    let mut rng = Rng::new(seed);
    let (items, ids) = authorities::build(&mut rng);
    let n_auth = items.len();
    m.collections.import_authorities(&sys, items).await?;
    let mut generator = objects::Generator::new(&ids);
    let total = objects as usize;
    let mut done = 0;
    while done < total {
        let n = BATCH.min(total - done);
        let batch: Vec<_> = (0..n).map(|_| generator.object(&mut rng)).collect();
        m.collections.import_objects(&sys, batch).await?;
        done += n;
        eprint!("\rgenerating the demo museum: {done}/{total} objects");
        std::io::stderr().flush().ok();
    }
    eprintln!();
    // Fresh statistics, so the first lists of the new museum use the right indexes.
    m.db.analyze().await?;
    println!(
        "Demo museum created: {total} objects, {n_auth} authorities, 9 accounts in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    print_accounts(password, true);
    Ok(true)
}

fn print_accounts(password: &str, fresh: bool) {
    let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    if fresh {
        println!(
            "Staff accounts (user name = role, password `{password}`): {}",
            names.join(", ")
        );
    } else {
        println!(
            "Staff accounts are those of this museum (demo: user name = role, password `vitrine-demo`)."
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_makes_valid_unique_records() {
        let mut rng = Rng::new(42);
        let (_, ids) = authorities::build(&mut rng);
        let mut g = objects::Generator::new(&ids);
        let mut numbers = std::collections::BTreeSet::new();
        let rule = vitrine_collections::model::NumberRule::default();
        for _ in 0..3000 {
            let mut o = g.object(&mut rng);
            o.normalize();
            o.validate(&rule).unwrap_or_else(|e| panic!("{e}: {o:?}"));
            assert!(
                numbers.insert(o.object_number.clone()),
                "duplicate {}",
                o.object_number
            );
            assert!(
                o.title.get("zh-Hans").is_some() && o.title.get("en").is_some(),
                "title not bilingual: {:?}",
                o.title
            );
        }
    }

    #[test]
    fn same_seed_gives_the_same_collection() {
        let titles = |seed| {
            let mut rng = Rng::new(seed);
            let (_, ids) = authorities::build(&mut rng);
            let mut g = objects::Generator::new(&ids);
            (0..50)
                .map(|_| g.object(&mut rng).title)
                .collect::<Vec<_>>()
        };
        assert_eq!(titles(3), titles(3));
        assert_ne!(titles(3), titles(4));
    }
}
