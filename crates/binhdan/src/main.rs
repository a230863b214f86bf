//! `binhdan`: the web server and the operators' command line.

mod cli;
mod config;
mod people_cli;

/// mimalloc rather than glibc's malloc: under a crowd of check-ins, allocation took about a
/// quarter of the server's CPU (perf), in many small short-lived buffers across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
