//! Prime-field arithmetic for the ECDSA public point check (OpenSSL `EC_POINT_oct2point` and
//! sshkey.c `sshkey_ec_validate_public`) on the NIST curves P-256, P-384 and P-521: numbers are
//! little-endian `u64` limbs, a fixed number per curve, and products are reduced word by word by
//! Montgomery multiplication (CIOS). Takes the point's coordinates as big-endian bytes; knows
//! nothing of the wire format around them. Not constant-time: the inputs are public keys.

use crate::ast::authorized_keys::Curve;

/// True when `(x, y)` (big-endian, at most the curve's field size each) is a public point sshd
/// accepts on `curve`: both coordinates below p, on y² = x³ - 3x + b, and within
/// `sshkey_ec_validate_public`'s bounds (each coordinate has more than half as many bits as the
/// group order n, and is below n - 1).
pub fn valid_public_point(curve: Curve, x: &[u8], y: &[u8]) -> bool {
    match curve {
        Curve::P256 => P256.valid_public_point(x, y),
        Curve::P384 => P384.valid_public_point(x, y),
        Curve::P521 => P521.valid_public_point(x, y),
    }
}

/// NIST P-256 (SEC 2 secp256r1).
const P256: NistCurve<4> = NistCurve::new(
    "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
    "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
);

/// NIST P-384 (SEC 2 secp384r1).
const P384: NistCurve<6> = NistCurve::new(
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
    "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
    "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
);

/// NIST P-521 (SEC 2 secp521r1): 521 bits on nine limbs.
const P521: NistCurve<9> = NistCurve::new(
    "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
    "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
);

/// A number below 2^(64·N), least significant limb first.
type Limbs<const N: usize> = [u64; N];

/// A curve y² = x³ - 3x + b over GF(p) with group order n, and what Montgomery multiplication
/// modulo p needs; all computed at compile time from the curve's published constants.
struct NistCurve<const N: usize> {
    p: Limbs<N>,
    b: Limbs<N>,
    /// n - 1 (n is odd).
    n_minus_1: Limbs<N>,
    /// Half the bit length of n, rounded down.
    half_order_bits: u32,
    /// -p⁻¹ mod 2⁶⁴.
    p_inv: u64,
    /// R² mod p, R = 2^(64·N): multiplying by it brings a number into Montgomery form.
    r2: Limbs<N>,
}

impl<const N: usize> NistCurve<N> {
    /// From big-endian hex; only ever evaluated in constants, where a bad digit or a number too
    /// wide fails the build.
    const fn new(p: &str, b: &str, n: &str) -> Self {
        let p = from_hex(p);
        let n = from_hex::<N>(n);
        let (n_minus_1, _) = sub(&n, &one());
        NistCurve {
            p,
            b: from_hex(b),
            n_minus_1,
            half_order_bits: bits(&n) / 2,
            p_inv: neg_inverse(p[0]),
            r2: r_squared(&p),
        }
    }

    fn valid_public_point(&self, x: &[u8], y: &[u8]) -> bool {
        let (Some(x), Some(y)) = (from_be::<N>(x), from_be::<N>(y)) else { return false };
        if !less(&x, &self.p) || !less(&y, &self.p) {
            return false;
        }
        self.on_curve(&x, &y)
            && bits(&x) > self.half_order_bits
            && bits(&y) > self.half_order_bits
            && less(&x, &self.n_minus_1)
            && less(&y, &self.n_minus_1)
    }

    /// y² = x³ - 3x + b (mod p), for x, y < p; compared in Montgomery form, where equality means
    /// the same as for the numbers themselves.
    fn on_curve(&self, x: &Limbs<N>, y: &Limbs<N>) -> bool {
        let x = self.mont_mul(x, &self.r2);
        let y = self.mont_mul(y, &self.r2);
        let b = self.mont_mul(&self.b, &self.r2);
        let lhs = self.mont_mul(&y, &y);
        let x3 = self.mont_mul(&self.mont_mul(&x, &x), &x);
        let three_x = self.add_mod(&self.add_mod(&x, &x), &x);
        let rhs = self.add_mod(&self.sub_mod(&x3, &three_x), &b);
        lhs == rhs
    }

    /// `a + b mod p`, for a, b < p.
    fn add_mod(&self, a: &Limbs<N>, b: &Limbs<N>) -> Limbs<N> {
        let (sum, carry) = add(a, b);
        if carry || !less(&sum, &self.p) { sub(&sum, &self.p).0 } else { sum }
    }

    /// `a - b mod p`, for a, b < p.
    fn sub_mod(&self, a: &Limbs<N>, b: &Limbs<N>) -> Limbs<N> {
        let (diff, borrow) = sub(a, b);
        if borrow { add(&diff, &self.p).0 } else { diff }
    }

    /// `a·b·R⁻¹ mod p`, for a, b < p: Montgomery multiplication, coarsely integrated operand
    /// scanning (Koç, Acar and Kaliski, 1996). Each step adds `a·b[i]` to the running total `t`
    /// and then a multiple of p that clears its lowest word, which is shifted out; `t` stays
    /// below 2p, so one subtraction at the end reduces it.
    fn mont_mul(&self, a: &Limbs<N>, b: &Limbs<N>) -> Limbs<N> {
        let mut t = [0u64; N];
        // t's word above its N limbs (t[N]); the one above that (t[N+1], `top`) lives only
        // within a step.
        let mut t_high = 0u64;
        for &word in b {
            let mut carry = 0u64;
            for (ti, &ai) in t.iter_mut().zip(a) {
                (*ti, carry) = mul_add(ai, word, *ti, carry);
            }
            let (high, top) = t_high.overflowing_add(carry);
            let m = t[0].wrapping_mul(self.p_inv);
            let (_, mut carry) = mul_add(m, self.p[0], t[0], 0);
            for i in 1..N {
                (t[i - 1], carry) = mul_add(m, self.p[i], t[i], carry);
            }
            let (last, overflow) = high.overflowing_add(carry);
            t[N - 1] = last;
            t_high = u64::from(top) + u64::from(overflow);
        }
        if t_high != 0 || !less(&t, &self.p) {
            t = sub(&t, &self.p).0;
        }
        t
    }
}

/// `a·b + c + d` as (low word, high word); never overflows.
fn mul_add(a: u64, b: u64, c: u64, d: u64) -> (u64, u64) {
    let wide = u128::from(a) * u128::from(b) + u128::from(c) + u128::from(d);
    (wide as u64, (wide >> 64) as u64)
}

/// A big-endian number, or `None` when it does not fit in N limbs.
fn from_be<const N: usize>(bytes: &[u8]) -> Option<Limbs<N>> {
    let mut out = [0u64; N];
    let mut chunks = bytes.rchunks(8);
    for limb in &mut out {
        *limb = chunks.next().map_or(0, |c| c.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)));
    }
    chunks.next().is_none().then_some(out)
}

// The helpers below are `const fn` for the curve constants; they run at run time too.

const fn one<const N: usize>() -> Limbs<N> {
    let mut out = [0u64; N];
    out[0] = 1;
    out
}

/// Big-endian hex, for constants only (a bad digit or a number too wide stops the build).
const fn from_hex<const N: usize>(hex: &str) -> Limbs<N> {
    let digits = hex.as_bytes();
    assert!(digits.len() <= 16 * N, "constant too wide");
    let mut out = [0u64; N];
    let mut i = 0;
    while i < digits.len() {
        let c = digits[digits.len() - 1 - i];
        let value = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lower-case hex digit"),
        };
        out[i / 16] |= (value as u64) << (4 * (i % 16));
        i += 1;
    }
    out
}

/// `a + b` and the carry out.
const fn add<const N: usize>(a: &Limbs<N>, b: &Limbs<N>) -> (Limbs<N>, bool) {
    let mut out = [0u64; N];
    let mut carry = false;
    let mut i = 0;
    while i < N {
        let (s, c1) = a[i].overflowing_add(b[i]);
        let (s, c2) = s.overflowing_add(carry as u64);
        out[i] = s;
        carry = c1 || c2;
        i += 1;
    }
    (out, carry)
}

/// `a - b` (wrapping) and the borrow out.
const fn sub<const N: usize>(a: &Limbs<N>, b: &Limbs<N>) -> (Limbs<N>, bool) {
    let mut out = [0u64; N];
    let mut borrow = false;
    let mut i = 0;
    while i < N {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(borrow as u64);
        out[i] = d;
        borrow = b1 || b2;
        i += 1;
    }
    (out, borrow)
}

/// `a < b`.
const fn less<const N: usize>(a: &Limbs<N>, b: &Limbs<N>) -> bool {
    sub(a, b).1
}

/// The bit length of `a` (`BN_num_bits`).
const fn bits<const N: usize>(a: &Limbs<N>) -> u32 {
    let mut i = N;
    while i > 0 {
        i -= 1;
        if a[i] != 0 {
            return 64 * i as u32 + (64 - a[i].leading_zeros());
        }
    }
    0
}

/// `-w⁻¹ mod 2⁶⁴` for odd `w`, by Newton's iteration (each step doubles the correct low bits).
const fn neg_inverse(w: u64) -> u64 {
    let mut inverse = 1u64;
    let mut i = 0;
    while i < 6 {
        inverse = inverse.wrapping_mul(2u64.wrapping_sub(w.wrapping_mul(inverse)));
        i += 1;
    }
    inverse.wrapping_neg()
}

/// `R² mod p`, R = 2^(64·N), by doubling 1 modulo p 2·64·N times.
const fn r_squared<const N: usize>(p: &Limbs<N>) -> Limbs<N> {
    let mut r = one::<N>();
    let mut i = 0;
    while i < 2 * 64 * N {
        let (doubled, carry) = add(&r, &r);
        r = if carry || !less(&doubled, p) { sub(&doubled, p).0 } else { doubled };
        i += 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    }

    fn valid(curve: Curve, x: &str, y: &str) -> bool {
        valid_public_point(curve, &hex(x), &hex(y))
    }

    /// y² = x³ - 3x + b alone, for coordinates below p.
    fn equation(curve: Curve, x: &str, y: &str) -> bool {
        fn on<const N: usize>(c: &NistCurve<N>, x: &str, y: &str) -> bool {
            match (from_be::<N>(&hex(x)), from_be::<N>(&hex(y))) {
                (Some(x), Some(y)) => less(&x, &c.p) && less(&y, &c.p) && c.on_curve(&x, &y),
                _ => false,
            }
        }
        match curve {
            Curve::P256 => on(&P256, x, y),
            Curve::P384 => on(&P384, x, y),
            Curve::P521 => on(&P521, x, y),
        }
    }

    /// Generators (SEC 2) and twice the generator, for each curve.
    const G256: (&str, &str) = (
        "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
        "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
    );
    const G384: (&str, &str) = (
        "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
        "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
    );
    const G521: (&str, &str) = (
        "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
        "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
    );
    const TWO_G: [(Curve, &str, &str); 3] = [
        (
            Curve::P256,
            "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978",
            "07775510db8ed040293d9ac69f7430dbba7dade63ce982299e04b79d227873d1",
        ),
        (
            Curve::P384,
            "08d999057ba3d2d969260045c55b97f089025959a6f434d651d207d19fb96e9e4fe0e86ebe0e64f85b96a9c75295df61",
            "8e80f1fa5b1b3cedb7bfe8dffd6dba74b275d875bc6cc43e904e505f256ab4255ffd43e94d39e22d61501e700a940e80",
        ),
        (
            Curve::P521,
            "00433c219024277e7e682fcb288148c282747403279b1ccc06352c6e5505d769be97b3b204da6ef55507aa104a3a35c5af41cf2fa364d60fd967f43e3933ba6d783d",
            "00f4bb8cc7f86db26700a7f3eceeeed3f0b5c6b5107c4da97740ab21a29906c42dbbb3e377de9f251f6b93937fa99a3248f4eafcbe95edc0f4f71be356d661f41b02",
        ),
    ];

    fn generators() -> [(Curve, &'static str, &'static str); 3] {
        [(Curve::P256, G256.0, G256.1), (Curve::P384, G384.0, G384.1), (Curve::P521, G521.0, G521.1)]
    }

    /// p - v, big-endian hex of the same width.
    fn negate(curve: Curve, v: &str) -> String {
        let p = match curve {
            Curve::P256 => hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
            Curve::P384 => {
                hex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff")
            }
            Curve::P521 => {
                let mut p = vec![0x01];
                p.extend([0xff; 65]);
                p
            }
        };
        let v = hex(v);
        let mut out = vec![0u8; p.len()];
        let mut borrow = 0i16;
        for i in (0..p.len()).rev() {
            let mut d = i16::from(p[i]) - i16::from(v[i]) - borrow;
            borrow = i16::from(d < 0);
            if d < 0 {
                d += 256;
            }
            out[i] = d as u8;
        }
        out.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn known_points_are_accepted() {
        for (curve, x, y) in generators().into_iter().chain(TWO_G) {
            assert!(valid(curve, x, y), "{curve:?} {x}");
            // -P = (x, p - y) is on the curve too.
            assert!(valid(curve, x, &negate(curve, y)), "{curve:?} -P");
        }
    }

    #[test]
    fn points_off_the_curve_are_refused() {
        for (curve, x, y) in generators().into_iter().chain(TWO_G) {
            let mut y = hex(y);
            if let Some(last) = y.last_mut() {
                *last ^= 1;
            }
            assert!(!valid_public_point(curve, &hex(x), &y), "{curve:?}");
            // x and y swapped.
            assert!(!valid_public_point(curve, &y, &hex(x)), "{curve:?}");
        }
        assert!(!valid(Curve::P256, G384.0, G384.1), "a P-384 point is not a P-256 one");
    }

    #[test]
    fn coordinates_at_or_past_p_are_refused() {
        // x = p stands for x = 0, where the curve has a point (0, y0); sshd refuses the
        // unreduced coordinate.
        let y0 = "66485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4";
        let p256 = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
        assert!(!valid(Curve::P256, p256, y0));
        let zero = "00".repeat(32);
        assert!(equation(Curve::P256, &zero, y0) && !valid(Curve::P256, &zero, y0), "x = 0: on the curve, too short");
        assert!(!valid(Curve::P256, G256.0, "ff".repeat(32).as_str()));
        // P-521's 66 bytes hold numbers up to 2^528: y + p is y again modulo p.
        let y_plus_p = "031839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd1664f";
        assert!(!valid(Curve::P521, G521.0, y_plus_p));
    }

    #[test]
    fn points_outside_sshds_bounds_are_refused() {
        // On the curve, but x has no more than half the order's bits.
        let small_x = [
            (Curve::P256, format!("{:064x}", 5), "ba6dbc4555a7e7fa016ec431667e8521ee35afc49b265c3accbea3f7cdb70433"),
            (
                Curve::P384,
                format!("{:096x}", 2),
                "8cdeadbbd04911a3c1931e26df3fa6439dca9c7eb286fbd46fc319f0e2bb780232baf57825fc0c1912ada2fefe84024c",
            ),
            (
                Curve::P521,
                format!("{:0132x}", 1),
                "01ef1a6416c3b0d963fd963861d5029a295155648fe1533e6b04c11fc20b87b640aaf139c91411f222b5e90e326bf99fa50c70a7ba9888f1c0d8d297737cd17bca9b",
            ),
        ];
        for (curve, x, y) in &small_x {
            assert!(equation(*curve, x, y) && !valid(*curve, x, y), "{curve:?}");
        }
        // On the curve, x below p but not below n - 1.
        let big_x = [
            (
                Curve::P256,
                "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632554",
                "b7b0f3ef25bcb11057f7ba76eb0cd78ea285aba2e67538111ce200179e4a2dc0",
            ),
            (
                Curve::P384,
                "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52972",
                "a0c33fa03ea3227aba1380da2ae232a5123aca9ca6e67875132c095e8228fd94965eacf8356cdcdd138e5ac56b2cfcee",
            ),
            (
                Curve::P521,
                "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e9138640a",
                "015c0208e578fd60af518df71031fbef12ced63df0aebf52d4a67eb460f7907f4e77748ed5dfa44f49035bad05d07d119cae1e855c8a9723eaff862aa896fbae2a8d",
            ),
        ];
        for (curve, x, y) in big_x {
            assert!(equation(curve, x, y) && !valid(curve, x, y), "{curve:?}");
        }
    }

    #[test]
    fn wrong_widths_are_refused_not_panicked_on() {
        assert!(!valid_public_point(Curve::P256, &[1; 33], &[1; 32]));
        assert!(!valid_public_point(Curve::P256, &[], &[]));
        assert_eq!(from_be::<1>(&[1, 2]), Some([0x0102]));
        assert_eq!(from_be::<1>(&[0; 9]), None);
    }

    #[test]
    fn montgomery_constants() {
        fn check<const N: usize>(c: &NistCurve<N>) {
            assert_eq!(c.p[0].wrapping_mul(c.p_inv), u64::MAX, "p·p_inv = -1 mod 2^64");
            // R·R⁻¹ = 1: Montgomery form of 1 is R mod p, and out of it again is 1.
            let r = c.mont_mul(&one(), &c.r2);
            assert_eq!(c.mont_mul(&r, &one()), one());
            // R mod p doubled 64·N times (by addition) is R² mod p.
            let mut x = r;
            for _ in 0..64 * N {
                x = c.add_mod(&x, &x);
            }
            assert_eq!(x, c.r2);
            assert!(less(&c.r2, &c.p));
        }
        check(&P256);
        check(&P384);
        check(&P521);
        assert_eq!(P256.half_order_bits, 128);
        assert_eq!(P384.half_order_bits, 192);
        assert_eq!(P521.half_order_bits, 260);
    }

    #[test]
    fn field_operations_on_edge_values() {
        let c = &P256;
        let p_minus_1 = sub(&c.p, &one()).0;
        let zero = [0u64; 4];
        assert_eq!(c.add_mod(&p_minus_1, &one()), zero);
        assert_eq!(c.add_mod(&p_minus_1, &p_minus_1), sub(&p_minus_1, &one()).0);
        assert_eq!(c.sub_mod(&zero, &one()), p_minus_1);
        // (p-1)² = 1 (mod p), in Montgomery form as outside it.
        let m = c.mont_mul(&p_minus_1, &c.r2);
        let sq = c.mont_mul(&m, &m);
        assert_eq!(c.mont_mul(&sq, &one()), one());
        assert_eq!(c.mont_mul(&zero, &c.r2), zero);
        assert_eq!(bits(&zero), 0);
        assert_eq!(bits(&c.p), 256);
        assert_eq!(bits(&P521.p), 521);
        assert!(less(&zero, &one()) && !less(&one::<4>(), &one()));
    }

    #[test]
    fn hex_constants_read_big_endian() {
        assert_eq!(from_hex::<2>("0102"), [0x0102, 0]);
        assert_eq!(from_hex::<2>("01ffffffffffffffff"), [u64::MAX, 1]);
        assert_eq!(neg_inverse(1), u64::MAX);
    }
}
