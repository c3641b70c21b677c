use std::process::ExitCode;

use clap::Parser;
use parley::cli::{self, Cli};
use parley::config::Settings;
use parley::telemetry;

/// jemalloc rather than the system's allocator: it returns freed pages to the system after a
/// few seconds, where glibc kept them in its arenas and RSS crept up over hours; it also
/// measured less memory per idle connection (docs/BENCHMARKS.md, "Soak").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // A missing .env is normal; a malformed one is worth saying.
    if let Err(err) = dotenvy::dotenv() {
        if !err.not_found() {
            eprintln!("parley: .env: {err}");
            return ExitCode::from(2);
        }
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("parley: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_tracing(settings.log_format);
    cli::run(cli, settings).await
}
