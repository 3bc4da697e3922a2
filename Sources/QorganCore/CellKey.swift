import Foundation

/// The cell-key method of disclosure control (the method of the Australian Bureau of Statistics'
/// TableBuilder and of the Office for National Statistics' census tables; see docs/DISCLOSURE.md).
///
/// Every stored value (a leaf: element, option combination, attribute combination, unit,
/// period, value) gets a fixed pseudo-random 32-bit key from a keyed hash with the
/// publication's secret. A published count's cell key is the sum of the keys of the leaves it
/// adds up, modulo 2³². The perturbation of the count is looked up from the cell key, so that
/// the same cell gets the same published value in every table and every request, whichever
/// way it is asked for, and different cells get perturbations that look independent to anyone
/// without the secret.
///
/// A count `c` is published as:
/// - 0 when `c` is 0;
/// - below the threshold `T` (1 ≤ c < T): `T` with probability c / T, else 0, never as it is;
/// - otherwise `c + d`, with `d` in −D…D drawn from `perturbation`; if `c + d` falls below `T`,
///   it is rounded as a small count is (to `T` or 0, keeping its mean).
///
/// Every published count is 0 or at least `T`; its expected value is the true count (no
/// bias); it differs from the true count by at most `D` when `c ≥ T + D` and by at most
/// `T + D − 1` otherwise (`maximumDistance`).
public struct CellKeyMethod: Sendable, Hashable {
    /// Counts 1 … threshold − 1 are never published.
    public let threshold: Int
    /// The weights of the perturbations −D … D (they sum to 1).
    public let perturbation: [Double]

    /// The default distribution of `d`: −2…2 with weights 0.1, 0.2, 0.4, 0.2, 0.1 (variance 1.2).
    public static let standardPerturbation: [Double] = [0.1, 0.2, 0.4, 0.2, 0.1]

    public init(threshold: Int, perturbation: [Double] = CellKeyMethod.standardPerturbation) {
        self.threshold = threshold
        self.perturbation = perturbation
    }

    /// D: the largest perturbation of a count at or above `threshold + D`.
    public var maxPerturbation: Int { perturbation.count / 2 }

    /// The variance of `d`.
    public var variance: Double {
        perturbation.enumerated().reduce(0) { s, e in
            let d = Double(e.offset - maxPerturbation)
            return s + e.element * d * d
        }
    }

    /// How far a published count may lie from the true count `c`.
    public func maximumDistance(forTrue c: Int) -> Int {
        if c == 0 { return 0 }
        if c >= threshold + maxPerturbation { return maxPerturbation }
        if c < threshold { return max(c, threshold - c) }
        return max(c, maxPerturbation)
    }

    /// Every count that `c` may be published as.
    public func support(ofTrue c: Int) -> Set<Int> {
        if c <= 0 { return [0] }
        if c < threshold { return [0, threshold] }
        var out = Set<Int>()
        for d in -maxPerturbation...maxPerturbation {
            let x = c + d
            if x >= threshold { out.insert(x) } else if x > 0 { out.formUnion([0, threshold]) } else { out.insert(0) }
        }
        return out
    }

    /// The published value of the true count `count` in the cell with key `cellKey`. A count
    /// that is not a whole number (a mean over periods) is rounded first; nil for a negative one.
    public func protect(_ count: Double, cellKey: UInt32) -> Double? {
        guard count.isFinite, count > -0.5 else { return nil }
        let c = Int(count.rounded())
        guard c > 0 else { return 0 }
        // The cell key as a fraction in [0, 1).
        let u = Double(cellKey) / 4_294_967_296.0
        if c < threshold { return Double(roundSmall(c, u)) }
        var low = 0.0
        for (i, weight) in perturbation.enumerated() {
            let high = i == perturbation.count - 1 ? 1.0 : low + weight
            if u < high {
                let x = c + i - maxPerturbation
                if x >= threshold { return Double(x) }
                // Where `u` lies within this step is again uniform: it rounds the small count.
                let within = weight > 0 ? (u - low) / weight : 0
                return Double(roundSmall(max(x, 0), within))
            }
            low = high
        }
        return Double(c)
    }

    /// A small count `x` (0 ≤ x < threshold) as `threshold` with probability x / threshold, else 0.
    private func roundSmall(_ x: Int, _ u: Double) -> Int {
        u < Double(x) / Double(threshold) ? threshold : 0
    }
}

/// The keys of stored values: SipHash-2-4 (Aumasson and Bernstein, 2012) of the leaf's
/// identity under the publication's 128-bit secret, cut to 32 bits.
public struct LeafKeys: Sendable, Hashable {
    let k0: UInt64
    let k1: UInt64

    public init(k0: UInt64, k1: UInt64) {
        self.k0 = k0
        self.k1 = k1
    }

    /// From 32 hexadecimal digits (the stored secret); nil for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == 32, let a = UInt64(hex.prefix(16), radix: 16),
            let b = UInt64(hex.suffix(16), radix: 16)
        else { return nil }
        self.init(k0: a, k1: b)
    }

    /// A fresh secret as 32 hexadecimal digits.
    public static func newSecret() -> String {
        var g = SystemRandomNumberGenerator()
        return [g.next(), g.next()].map { (v: UInt64) in
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
    }

    /// The key of one stored value.
    public func key(
        element: String, optionCombo: String, attributeOptionCombo: String, unit: String, period: String,
        value: Double
    ) -> UInt32 {
        var text = element
        text += "|" + optionCombo + "|" + attributeOptionCombo + "|" + unit + "|" + period + "|"
        text += String(value.bitPattern, radix: 16)
        let h = siphash(Array(text.utf8))
        return UInt32(truncatingIfNeeded: h ^ (h >> 32))
    }

    /// SipHash-2-4 of `bytes`.
    public func siphash(_ bytes: [UInt8]) -> UInt64 {
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ k0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ k1
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ k0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ k1
        @inline(__always) func round() {
            v0 &+= v1
            v1 = (v1 << 13) | (v1 >> 51)
            v1 ^= v0
            v0 = (v0 << 32) | (v0 >> 32)
            v2 &+= v3
            v3 = (v3 << 16) | (v3 >> 48)
            v3 ^= v2
            v0 &+= v3
            v3 = (v3 << 21) | (v3 >> 43)
            v3 ^= v0
            v2 &+= v1
            v1 = (v1 << 17) | (v1 >> 47)
            v1 ^= v2
            v2 = (v2 << 32) | (v2 >> 32)
        }
        let whole = bytes.count / 8 * 8
        var i = 0
        while i < whole {
            var m: UInt64 = 0
            for j in 0..<8 { m |= UInt64(bytes[i + j]) << (8 * UInt64(j)) }
            v3 ^= m
            round()
            round()
            v0 ^= m
            i += 8
        }
        var last = UInt64(bytes.count & 0xff) << 56
        for j in 0..<(bytes.count - whole) { last |= UInt64(bytes[whole + j]) << (8 * UInt64(j)) }
        v3 ^= last
        round()
        round()
        v0 ^= last
        v2 ^= 0xff
        for _ in 0..<4 { round() }
        return v0 ^ v1 ^ v2 ^ v3
    }
}
