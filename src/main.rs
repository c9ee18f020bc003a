//! The sitrep binary: parse the command line, run the chosen command.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    sitrep::install_panic_hook();
    let cli = sitrep::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(sitrep::run(cli));
    // A store's request stuck in the file system (a hung network mount) must not keep a finished
    // command from exiting.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
