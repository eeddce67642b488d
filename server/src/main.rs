//! `siteatlas`: read the command line, then serve, import or migrate.

use std::process::ExitCode;

use clap::Parser;
use siteatlas_server::cli::{Cli, Command, PartnerCommand, StoreArgs, TokenCommand};
use siteatlas_server::import::import_file;
use siteatlas_server::repair;
use siteatlas_server::store::Store;

/// mimalloc (its v2 line, which hands freed pages back to the system after
/// 10 ms) instead of glibc's malloc: a server that reloads its index, decodes
/// panoramas and imports files makes large short-lived allocations, and glibc
/// keeps such memory resident for the life of the process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=error,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Token(command) => token(command).await,
        Command::Partner(command) => partner(command).await,
        Command::Serve(args) => siteatlas_server::serve(args).await,
        Command::Migrate(args) => {
            async {
                let store = open(&args.store).await?;
                let repaired = repair::repair_plot_areas(&store, args.recompute_areas).await?;
                for wrong in &repaired {
                    eprintln!("recomputed: {wrong}");
                }
                eprintln!(
                    "{} store is up to date ({} plot areas recomputed)",
                    store.kind(),
                    repaired.len()
                );
                Ok(())
            }
            .await
        }
        Command::Check(args) => return check(&args).await,
        Command::Import(args) => {
            async {
                let options = args.options()?;
                let store =
                    Store::open(args.store.database_url.as_deref(), &args.store.data_dir).await?;
                store.migrate().await?;
                let report = import_file(&store, args.layer, &args.file, &options).await?;
                eprintln!("{report}");
                Ok(())
            }
            .await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `siteatlas check`: lists what the server cannot load or should repair.
async fn check(args: &StoreArgs) -> ExitCode {
    let report = async { anyhow::Ok(repair::check(&open(args).await?).await?) }.await;
    match report {
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
        Ok(report) => {
            for row in &report.unreadable {
                println!(
                    "{}\t{}\t{}\tunreadable: {}",
                    row.layer, row.id, row.code, row.reason
                );
            }
            for wrong in &report.wrong_areas {
                println!("{wrong} (`siteatlas migrate --recompute-areas` repairs it)");
            }
            let problems = report.unreadable.len() + report.wrong_areas.len();
            eprintln!(
                "{} unreadable rows, {} wrong plot areas",
                report.unreadable.len(),
                report.wrong_areas.len()
            );
            if problems == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

async fn open(args: &StoreArgs) -> anyhow::Result<Store> {
    let store = Store::open(args.database_url.as_deref(), &args.data_dir).await?;
    store.migrate().await?;
    Ok(store)
}

async fn partner(command: PartnerCommand) -> anyhow::Result<()> {
    match command {
        PartnerCommand::Create { name, kind, store } => {
            let store = open(&store).await?;
            let p = siteatlas_server::routes::partners::create_partner(&store, &name, &kind)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            eprintln!(
                "partner {} ({}, {}); referral link path:",
                p.id, p.name, p.kind
            );
            println!("/r/{}", p.code);
        }
        PartnerCommand::List { store } => {
            for p in open(&store).await?.partners().await? {
                println!("{}\t{}\t{}\t/r/{}", p.id, p.name, p.kind, p.code);
            }
        }
    }
    Ok(())
}

async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            role,
            parks,
            name,
            partner,
            store,
        } => {
            if role == "officer" && parks.is_empty() {
                anyhow::bail!("an officer token needs at least one --park");
            }
            if (role == "partner") != partner.is_some() {
                anyhow::bail!("--partner goes with --role partner, and a partner token needs it");
            }
            let store = open(&store).await?;
            if let Some(partner) = partner {
                let record = store.partner(partner).await?.ok_or_else(|| {
                    anyhow::anyhow!("no partner with id {partner} (see `partner list`)")
                })?;
                let (id, token) =
                    siteatlas_server::routes::partners::partner_token(&store, &record)
                        .await
                        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
                eprintln!(
                    "token {id} for partner {} ({}); it is shown only now:",
                    record.name, record.kind
                );
                println!("{token}");
                return Ok(());
            }
            let token = siteatlas_server::auth::new_token()
                .map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
            let id = store
                .create_token(
                    &name,
                    &role,
                    &parks,
                    &siteatlas_server::session::token_hash(&token),
                )
                .await?;
            eprintln!(
                "token {id} for {name} ({role}{}); it is shown only now:",
                if parks.is_empty() {
                    String::new()
                } else {
                    format!(", parks {}", parks.join(", "))
                }
            );
            println!("{token}");
        }
        TokenCommand::Revoke { id, store } => {
            if !open(&store).await?.revoke_token(id).await? {
                anyhow::bail!("no live token with id {id}");
            }
            eprintln!("token {id} revoked");
        }
        TokenCommand::List { store } => {
            for t in open(&store).await?.list_tokens().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.role,
                    t.parks.join(","),
                    t.created_at,
                    if t.revoked { "revoked" } else { "live" }
                );
            }
        }
    }
    Ok(())
}
