//! `vitrine media ...`: importing images with a progress bar, fixity checks and remaking
//! pyramids. A server running on the same data sees the results without a restart (it
//! follows the outbox).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;
use vitrine_kernel::Actor;
use vitrine_media::{ImportOptions, Source};

use crate::museum::Museum;
use crate::{Where, load};

/// What `vitrine media` does.
#[derive(Subcommand)]
pub enum MediaCommand {
    /// Import image files (or every image in the folders given) into the library and
    /// make their pyramids.
    Import {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Link every image to the object with this number.
        #[arg(long, value_name = "NUMBER")]
        object: Option<String>,
        /// IIIF identifier (only with a single file).
        #[arg(long = "id", value_name = "IDENTIFIER")]
        identifier: Option<String>,
        /// Rights URI (Creative Commons or RightsStatements.org).
        #[arg(long)]
        rights: Option<String>,
        /// Photographer.
        #[arg(long)]
        photographer: Option<String>,
        #[command(flatten)]
        at: Where,
    },
    /// Check every master against its SHA-256 and report any that changed or went missing.
    Verify {
        #[command(flatten)]
        at: Where,
    },
    /// Remake pyramids (all, or the images with these ids) from the masters.
    Reprocess {
        /// Image ids; none means every image.
        ids: Vec<uuid::Uuid>,
        #[command(flatten)]
        at: Where,
    },
}

/// A progress bar counting `unit`s (hidden when standard error is not a terminal).
pub(crate) fn bar(len: u64, unit: &str) -> indicatif::ProgressBar {
    let b = indicatif::ProgressBar::new(len);
    b.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {unit}  {{elapsed}}  {{msg}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b
}

/// A line above the progress bar, or on standard output when there is no bar (not a
/// terminal: scripts read these lines).
fn say(b: &indicatif::ProgressBar, line: String) {
    if b.is_hidden() {
        println!("{line}");
    } else {
        b.println(line);
    }
}

/// Files to import: the files named, and the images inside the folders named (sorted).
fn files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read folder {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && vitrine_media::master::Kind::from_name(&f.to_string_lossy()).is_some()
                })
                .collect();
            inside.sort();
            out.extend(inside);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            bail!("{} is not a file or folder", p.display());
        }
    }
    Ok(out)
}

/// Runs a `vitrine media` command.
pub async fn run(action: MediaCommand) -> anyhow::Result<()> {
    match action {
        MediaCommand::Import {
            paths,
            object,
            identifier,
            rights,
            photographer,
            at,
        } => {
            let cfg = load(&at, None)?;
            let list = files(&paths)?;
            if identifier.is_some() && list.len() != 1 {
                bail!("--id names one image; {} files were given", list.len());
            }
            let museum = Museum::open(&cfg).await?;
            let media = museum.media(&cfg)?;
            let actor = Actor::System("media import");
            let object = match object {
                Some(n) => Some(
                    museum
                        .collections
                        .find_object_by_number(&actor, &n)
                        .await
                        .with_context(|| format!("no object numbered {n}"))?,
                ),
                None => None,
            };
            let description = vitrine_media::Description {
                rights: rights.unwrap_or_default(),
                photographer: photographer.unwrap_or_default(),
                ..vitrine_media::Description::default()
            };
            let b = bar(list.len() as u64, "images");
            let (mut added, mut dupes, mut failed) = (0, 0, 0);
            for path in &list {
                b.set_message(name(path));
                let opts = ImportOptions {
                    identifier: identifier.clone(),
                    object,
                    description: description.clone(),
                };
                let source = Source {
                    path: path.clone(),
                    name: name(path),
                    consume: false,
                };
                match media.ingest(&actor, source, opts).await {
                    Ok(i) if i.duplicate => {
                        dupes += 1;
                        say(
                            &b,
                            format!(
                                "{}: already in the library as {}",
                                path.display(),
                                i.asset.identifier
                            ),
                        );
                    }
                    Ok(i) => {
                        let a = media.derive(i).await?;
                        added += 1;
                        say(
                            &b,
                            format!(
                                "{}: {} ({}×{}) /iiif/3/{}",
                                path.display(),
                                a.id,
                                a.technical.width,
                                a.technical.height,
                                a.identifier
                            ),
                        );
                    }
                    Err(e) => {
                        failed += 1;
                        say(&b, format!("{}: {e}", path.display()));
                    }
                }
                b.inc(1);
            }
            b.finish_and_clear();
            println!("{added} imported, {dupes} already there, {failed} refused");
            museum.db.close().await?;
            if failed > 0 {
                bail!("{failed} file(s) could not be imported");
            }
            Ok(())
        }
        MediaCommand::Verify { at } => {
            let cfg = load(&at, None)?;
            let museum = Museum::open(&cfg).await?;
            let media = museum.media(&cfg)?;
            let b = bar(0, "masters");
            let problems = media
                .verify(&Actor::System("media verify"), &|done, total| {
                    b.set_length(total);
                    b.set_position(done);
                })
                .await?;
            b.finish_and_clear();
            museum.db.close().await?;
            if problems.is_empty() {
                println!("every master matches its SHA-256");
                return Ok(());
            }
            for p in &problems {
                println!("{}  {}  {}  {}", p.problem, p.identifier, p.id, p.path);
            }
            bail!("{} master(s) changed or missing", problems.len());
        }
        MediaCommand::Reprocess { ids, at } => {
            let cfg = load(&at, None)?;
            let museum = Museum::open(&cfg).await?;
            let media = museum.media(&cfg)?;
            let n = media
                .reprocess(&Actor::System("media reprocess"), &ids)
                .await?;
            println!("{n} image(s) queued; making pyramids…");
            let made = media.work_once().await?;
            println!("{made} pyramid(s) made");
            museum.db.close().await?;
            Ok(())
        }
    }
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
