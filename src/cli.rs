//! The command line: `parley [serve]`, `parley migrate`, `parley workspace create …`.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::json;

use crate::bootstrap;
use crate::config::Settings;
use crate::domain::Email;
use crate::startup::Application;
use crate::store;

#[derive(Debug, Parser)]
#[command(name = "parley", version, about = "Customer-support live chat server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace with its admin and a first site; prints one JSON line.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_password: String,
    },
}

/// Runs a parsed command line; errors are printed for a person, with a non-zero exit.
pub async fn run(cli: Cli, settings: Settings) -> ExitCode {
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => migrate(settings).await,
        Command::Workspace(WorkspaceCommand::Create {
            name,
            admin_email,
            admin_password,
        }) => create_workspace(settings, &name, &admin_email, admin_password).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(%message, "exiting");
            eprintln!("parley: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let app = Application::build(settings)
        .await
        .map_err(|e| e.to_string())?;
    // A reader that went away (e.g. `parley | head`) must not take the server down.
    let _ = writeln!(std::io::stdout(), "{}", app.banner());
    tracing::info!(url = app.public_url(), "listening");
    app.run_until_stopped().await.map_err(|e| e.to_string())
}

async fn migrate(settings: Settings) -> Result<(), String> {
    store::connect(&settings.database_url, settings.database_wait)
        .await
        .map_err(|e| e.to_string())?;
    println!("migrations applied");
    Ok(())
}

async fn create_workspace(
    settings: Settings,
    name: &str,
    admin_email: &str,
    admin_password: String,
) -> Result<(), String> {
    let email = Email::parse(admin_email).map_err(|e| format!("--admin-email: {e}"))?;
    let store = store::connect(&settings.database_url, settings.database_wait)
        .await
        .map_err(|e| e.to_string())?;
    let created = bootstrap::create_workspace(&*store, name, email, admin_password, "Website")
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{}",
        json!({
            "workspace_id": created.workspace.id,
            "agent_id": created.admin.id,
            "site_id": created.site.id,
            "site_key": created.site.site_key,
        })
    );
    Ok(())
}
