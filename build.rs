//! Build script: tells the tests whether a SLURM cluster is configured. With
//! `HASHFLOOD_SLURM` set (`.ci/run` sets it after starting one), `cfg(hashflood_slurm)` is
//! on and the SLURM test runs; without it the test runner reports that test as ignored.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(hashflood_slurm)");
    println!("cargo::rerun-if-env-changed=HASHFLOOD_SLURM");
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("HASHFLOOD_SLURM").is_some() {
        println!("cargo::rustc-cfg=hashflood_slurm");
    }
}
