//! `binhdan`: the web server and the operators' command line.

mod cli;
mod config;

fn main() -> std::process::ExitCode {
    cli::main()
}
