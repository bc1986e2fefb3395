/**
 * The one Ed25519 verification rule that both providers apply (RFC 8032 §5.1.7 leaves the choice
 * of equation open, and implementations disagree on exactly the edge cases an attacker builds:
 * Chalkias, Garillot and Nikolaenko, "Taming the many EdDSAs", SSR 2020; ZIP-215). latchkey's rule
 * is the strict one libsodium applies:
 *
 * 1. the signature is 64 bytes R ‖ S and the public key A is 32 bytes;
 * 2. S < L (RFC 8032 §5.1.7 step 1: "if S ≥ L, reject"; no unreduced scalars);
 * 3. R and A are canonical encodings (y < p, and no "negative zero": x = 0 with the sign bit set);
 * 4. neither R nor A is one of the 8 points of small order (the identity included);
 * 5. the cofactorless equation [S]B = R + [k]A holds exactly, k = SHA-512(R ‖ A ‖ M) mod L.
 *
 * Rule 5 is what OpenSSL computes (it re-encodes [S]B − [k]A and compares it with R's bytes), so
 * the node provider keeps OpenSSL's native verify and adds only the byte checks below (rules 2–4
 * for R and S are a few comparisons per signature; A is decoded and checked once per key, when it
 * is imported). The noble provider evaluates rule 5 itself with noble's point API, instead of
 * noble's `verify`, which checks the cofactored equation [8][S]B = [8]R + [8][k]A and so accepts
 * an R with a small-order component added. ZIP-215 (cofactored, non-canonical encodings allowed)
 * is the opposite choice, made for consensus systems that must agree with old signatures; latchkey
 * has no old signatures, and every issuer-signed document must have exactly one valid encoding.
 * A public key with a small-order component (mixed order) is not refused: refusing it takes a scalar
 * multiplication per key, and such a key only verifies signatures its owner made (issuer and lock
 * keys are configured or certified, never taken from an unauthenticated peer).
 */

/** Group order L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1), little-endian. */
const groupOrderLe = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]);

const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));

/**
 * The canonical encodings of the 8 points of small order (the torsion subgroup E[8]): the identity
 * (order 1), (0, −1) (order 2), the two points (x, 0) with x² = −1 (order 4) and the four points of
 * order 8. Non-canonical
 * encodings of these points are refused by rule 3 before this list is consulted.
 */
export const ed25519SmallOrderEncodings: readonly Uint8Array[] = Object.freeze(
  [
    '0100000000000000000000000000000000000000000000000000000000000000', // identity, order 1
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, −1), order 2
    '0000000000000000000000000000000000000000000000000000000000000000', // (x, 0), x² = −1, x even: order 4
    '0000000000000000000000000000000000000000000000000000000000000080', // (x, 0), x² = −1, x odd: order 4
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  ].map(fromHex),
);

function equal32(a: Uint8Array, offset: number, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[offset + i] !== b[i]) return false;
  return true;
}

/** Rule 2: the 32 little-endian bytes at `offset` are a scalar below L. */
export function isCanonicalScalar(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 31; i >= 0; i--) {
    const byte = bytes[offset + i]!;
    const limit = groupOrderLe[i]!;
    if (byte !== limit) return byte < limit;
  }
  return false; // S = L
}

/**
 * Rule 3 on the bytes alone: y < p = 2^255 − 19, and no sign bit on the two points with x = 0
 * (y = 1 and y = p − 1). Whether y is on the curve at all is the decoder's question.
 */
export function isCanonicalPointEncoding(bytes: Uint8Array, offset = 0): boolean {
  const top = bytes[offset + 31]! & 0x7f;
  const signBit = bytes[offset + 31]! & 0x80;
  let middleAllOnes = top === 0x7f;
  for (let i = 1; i < 31 && middleAllOnes; i++) middleAllOnes = bytes[offset + i] === 0xff;
  if (middleAllOnes && bytes[offset]! >= 0xed) return false; // y ≥ p
  if (signBit === 0) return true;
  // x = 0 exactly when y = ±1: y = 1 is 01 00…00, y = p − 1 is ec ff…ff 7f (sign bit aside).
  let middleAllZero = top === 0;
  for (let i = 1; i < 31 && middleAllZero; i++) middleAllZero = bytes[offset + i] === 0;
  if (middleAllZero && bytes[offset] === 0x01) return false;
  if (middleAllOnes && bytes[offset] === 0xec) return false;
  return true;
}

/** Rule 4 on the bytes (for a canonical encoding): one of the 8 small-order points. */
export function isSmallOrderEncoding(bytes: Uint8Array, offset = 0): boolean {
  for (const encoding of ed25519SmallOrderEncodings) if (equal32(bytes, offset, encoding)) return true;
  return false;
}

/** Rules 1–4 for a signature R ‖ S: what can be decided from its bytes, before any curve arithmetic. */
export function ed25519SignatureBytesAllowed(signature: Uint8Array): boolean {
  return signature.length === 64 && isCanonicalScalar(signature, 32) && isCanonicalPointEncoding(signature, 0) && !isSmallOrderEncoding(signature, 0);
}

/** Rules 1, 3 and 4 for a public key A on its bytes (the provider still decodes it onto the curve). */
export function ed25519PublicKeyBytesAllowed(publicKey: Uint8Array): boolean {
  return publicKey.length === 32 && isCanonicalPointEncoding(publicKey, 0) && !isSmallOrderEncoding(publicKey, 0);
}
