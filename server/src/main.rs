//! `siteatlas`: read the command line, then serve, import or migrate.

use std::process::ExitCode;

use clap::Parser;
use siteatlas_server::cli::{Cli, Command};
use siteatlas_server::import::import_file;
use siteatlas_server::store::Store;

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
        Command::Serve(args) => siteatlas_server::serve(args).await,
        Command::Migrate(args) => {
            async {
                let store = Store::open(args.database_url.as_deref(), &args.data_dir).await?;
                store.migrate().await?;
                eprintln!("{} store is up to date", store.kind());
                Ok(())
            }
            .await
        }
        Command::Import(args) => {
            async {
                let store =
                    Store::open(args.store.database_url.as_deref(), &args.store.data_dir).await?;
                store.migrate().await?;
                let (read, summary) = import_file(&store, args.layer, &args.file).await?;
                eprintln!(
                    "{}: {read} features read, {} inserted, {} updated",
                    args.layer, summary.inserted, summary.updated
                );
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
