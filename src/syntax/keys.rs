//! Private key files as sshd's `sshkey_load_private` sees them: the OpenSSH format
//! (`openssh-key-v1`) and PEM (PKCS#1 RSA, SEC1 EC, PKCS#8), far enough to know whether the
//! key loads without a passphrase, its type and (RSA) its modulus size.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// What a private key file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateKeyInfo {
    /// `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, … or `pem` when the type is not read.
    pub key_type: String,
    /// RSA modulus size in bits.
    pub rsa_bits: Option<u32>,
    /// Protected by a passphrase: sshd cannot load it unattended.
    pub encrypted: bool,
}

/// Why a file is not a usable private key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyError(pub String);

fn pem_body<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = text[start..].find(&end)? + start;
    Some(&text[start..stop])
}

fn decode(body: &str) -> Result<Vec<u8>, KeyError> {
    let clean: String =
        body.lines().filter(|l| !l.contains(':')).flat_map(|l| l.chars()).filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(clean.as_bytes()).map_err(|_| KeyError("is not valid base64".into()))
}

/// A cursor over SSH wire-format data (RFC 4251 strings and integers).
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_be_bytes(*head))
    }
    fn string(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u32()?).ok()?;
        if n > self.0.len() {
            return None;
        }
        let (s, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(s)
    }
}

fn mpint_bits(m: &[u8]) -> u32 {
    let m: Vec<u8> = m.iter().copied().skip_while(|&b| b == 0).collect();
    match m.first() {
        None => 0,
        Some(&top) => (m.len() as u32 - 1) * 8 + (8 - top.leading_zeros()),
    }
}

/// Parse an OpenSSH or PEM private key file.
pub fn parse_private_key(bytes: &[u8]) -> Result<PrivateKeyInfo, KeyError> {
    let text = String::from_utf8_lossy(bytes);
    if let Some(body) = pem_body(&text, "OPENSSH PRIVATE KEY") {
        let raw = decode(body)?;
        let rest =
            raw.strip_prefix(b"openssh-key-v1\0").ok_or_else(|| KeyError("lacks the openssh-key-v1 header".into()))?;
        let mut w = Wire(rest);
        let bad = || KeyError("is truncated or malformed".into());
        let cipher = w.string().ok_or_else(bad)?;
        let _kdf = w.string().ok_or_else(bad)?;
        let _kdfopts = w.string().ok_or_else(bad)?;
        let n = w.u32().ok_or_else(bad)?;
        if n != 1 {
            return Err(KeyError(format!("holds {n} keys (sshd expects exactly one)")));
        }
        let mut pubkey = Wire(w.string().ok_or_else(bad)?);
        let _private = w.string().ok_or_else(bad)?;
        let key_type = String::from_utf8_lossy(pubkey.string().ok_or_else(bad)?).into_owned();
        let rsa_bits = if key_type == "ssh-rsa" {
            let _e = pubkey.string().ok_or_else(bad)?;
            Some(mpint_bits(pubkey.string().ok_or_else(bad)?))
        } else {
            None
        };
        return Ok(PrivateKeyInfo { key_type, rsa_bits, encrypted: cipher != b"none" });
    }
    for (label, key_type) in [
        ("RSA PRIVATE KEY", "ssh-rsa"),
        ("EC PRIVATE KEY", "ecdsa"),
        ("PRIVATE KEY", "pem"),
        ("DSA PRIVATE KEY", "ssh-dss"),
    ] {
        let Some(body) = pem_body(&text, label) else { continue };
        let encrypted = body.contains("Proc-Type: 4,ENCRYPTED");
        let der = decode(body)?;
        if der.first() != Some(&0x30) {
            return Err(KeyError("is not DER-encoded key data".into()));
        }
        let rsa_bits = if label == "RSA PRIVATE KEY" && !encrypted { der_rsa_bits(&der) } else { None };
        return Ok(PrivateKeyInfo { key_type: key_type.into(), rsa_bits, encrypted });
    }
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Ok(PrivateKeyInfo { key_type: "pem".into(), rsa_bits: None, encrypted: true });
    }
    Err(KeyError("is not a private key".into()))
}

/// PKCS#1 RSAPrivateKey ::= SEQUENCE { version INTEGER, modulus INTEGER, … }.
fn der_rsa_bits(der: &[u8]) -> Option<u32> {
    fn header(d: &[u8]) -> Option<(u8, usize, &[u8])> {
        let (&tag, rest) = d.split_first()?;
        let (&len0, rest) = rest.split_first()?;
        if len0 < 0x80 {
            return Some((tag, usize::from(len0), rest));
        }
        let n = usize::from(len0 & 0x7f);
        if n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
        Some((tag, len, &rest[n..]))
    }
    let (_, _, inner) = header(der)?;
    let (_, vlen, rest) = header(inner)?;
    let rest = rest.get(vlen..)?;
    let (tag, mlen, rest) = header(rest)?;
    (tag == 0x02).then(|| mpint_bits(rest.get(..mlen).unwrap_or(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage() {
        assert!(
            parse_private_key(b"-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n")
                .is_err()
        );
        assert!(parse_private_key(b"hello").is_err());
    }

    fn string(v: &[u8]) -> Vec<u8> {
        let mut out = (v.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(v);
        out
    }

    /// An openssh-key-v1 container around a public blob (private part is filler).
    fn container(cipher: &str, pubkey: &[u8]) -> String {
        let mut raw = b"openssh-key-v1\0".to_vec();
        raw.extend(string(cipher.as_bytes()));
        raw.extend(string(b"none"));
        raw.extend(string(b""));
        raw.extend(1u32.to_be_bytes());
        raw.extend(string(pubkey));
        raw.extend(string(&[0u8; 16]));
        format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n", STANDARD.encode(raw))
    }

    #[test]
    fn reads_key_type_and_encryption() {
        let mut blob = string(b"ssh-ed25519");
        blob.extend(string(&[7u8; 32]));
        let info = parse_private_key(container("none", &blob).as_bytes()).expect("valid");
        assert_eq!(info.key_type, "ssh-ed25519");
        assert!(!info.encrypted);
        assert!(parse_private_key(container("aes256-ctr", &blob).as_bytes()).expect("valid").encrypted);
    }

    #[test]
    fn reads_rsa_modulus_size() {
        let mut blob = string(b"ssh-rsa");
        blob.extend(string(&[1, 0, 1]));
        let mut n = vec![0u8];
        n.extend([0xffu8; 128]);
        blob.extend(string(&n));
        let info = parse_private_key(container("none", &blob).as_bytes()).expect("valid");
        assert_eq!(info.rsa_bits, Some(1024));
    }
}
