//! What the unit tests share.

/// A small deterministic generator for the tests' fuzzing (xorshift64): a seed gives the same
/// numbers on every run.
pub struct Xorshift(pub u64);

impl Xorshift {
    /// The next number (also the state from then on).
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// The next number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
