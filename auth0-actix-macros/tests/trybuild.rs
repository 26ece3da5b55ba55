//! Compile-time behaviour of `#[require_auth]`: invalid uses fail with an error at the
//! offending token (`tests/ui/fail`), and every supported form compiles into a handler that
//! actix-web accepts (`tests/ui/pass`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
