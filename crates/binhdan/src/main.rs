//! `binhdan`: the web server and the operators' command line.

mod cli;
mod config;
mod people_cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
