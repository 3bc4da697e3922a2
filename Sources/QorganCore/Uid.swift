/// DHIS2-style identifiers: 11 characters, a letter first, then letters or digits.
public enum Uid {
    static let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    static let alphanumerics = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    public static func isValid(_ s: String) -> Bool {
        let c = Array(s)
        return c.count == 11 && c[0].isASCII && c[0].isLetter
            && c.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// A fresh random uid.
    public static func generate() -> String {
        var g = SystemRandomNumberGenerator()
        return generate(using: &g)
    }

    public static func generate<G: RandomNumberGenerator>(using g: inout G) -> String {
        var s = String(letters[Int.random(in: 0..<letters.count, using: &g)])
        for _ in 0..<10 { s.append(alphanumerics[Int.random(in: 0..<alphanumerics.count, using: &g)]) }
        return s
    }

    /// A uid that is always the same for the same text: used for the demo and the
    /// default category combination, so that their databases are reproducible.
    public static func stable(_ text: String) -> String {
        var rng = SplitMix64(seed: fnv1a(text))
        return generate(using: &rng)
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}

/// A small, fast, seedable generator (SplitMix64), for deterministic demo data.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
