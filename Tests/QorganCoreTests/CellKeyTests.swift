import Foundation
import Testing

@testable import QorganCore

/// The cell-key method: published counts are never small, stay within the documented distance
/// of the true count, keep its mean, and depend on the cell key only.
@Suite struct CellKeyTests {
    /// Evenly spread cell keys: the share of keys that give each published value is its probability.
    static let keys: [UInt32] = (0..<8_192).map { UInt32($0) << 19 | 0x4_0000 }

    @Test(arguments: [3, 5, 10])
    func publishedCountsAreNeverSmallStayNearAndKeepTheMean(threshold: Int) {
        let method = CellKeyMethod(threshold: threshold)
        for c in 0...(threshold * 4 + 20) {
            var sum = 0.0
            var seen = Set<Int>()
            for k in Self.keys {
                guard let p = method.protect(Double(c), cellKey: k) else {
                    Issue.record("no value for \(c)")
                    return
                }
                let published = Int(p)
                seen.insert(published)
                if !(published == 0 || published >= threshold)
                    || abs(published - c) > method.maximumDistance(forTrue: c)
                {
                    Issue.record("\(c) published as \(published) (key \(k))")
                }
                sum += p
            }
            // Every value the support allows is drawn by some key, and none other.
            #expect(
                seen == method.support(ofTrue: c),
                "count \(c): \(seen.sorted()) vs \(method.support(ofTrue: c).sorted())")
            // No bias: the mean over keys is the true count (to the grid's resolution).
            #expect(
                abs(sum / Double(Self.keys.count) - Double(c)) < 0.01,
                "mean of \(c) is \(sum / Double(Self.keys.count))")
            if c >= threshold + method.maxPerturbation {
                #expect(method.maximumDistance(forTrue: c) == 2)
            }
        }
        // Zero stays zero; a count below the threshold is never published as it is.
        #expect(method.support(ofTrue: 0) == [0])
        for c in 1..<threshold { #expect(!method.support(ofTrue: c).contains(c)) }
        #expect(abs(method.variance - 1.2) < 1e-9)
    }

    @Test func theSameCellKeyGivesTheSameValueAndMeansAreRoundedFirst() {
        let method = CellKeyMethod(threshold: 5)
        for k: UInt32 in [0, 1, 0x7fff_ffff, 0xffff_ffff] {
            #expect(method.protect(37, cellKey: k) == method.protect(37, cellKey: k))
            #expect(method.protect(36.6, cellKey: k) == method.protect(37, cellKey: k))
        }
        #expect(method.protect(-3, cellKey: 1) == nil)
        #expect(method.protect(.nan, cellKey: 1) == nil)
        // The lowest keys take the largest step down, the highest the largest step up.
        #expect(method.protect(100, cellKey: 0) == 98)
        #expect(method.protect(100, cellKey: 0xffff_ffff) == 102)
    }

    /// SipHash-2-4's reference vectors (Aumasson and Bernstein's vectors.h): key 00 01 … 0f,
    /// messages 00 01 … of length 0 and 15.
    @Test func leafKeysAreSipHash() {
        let keys = LeafKeys(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
        #expect(keys.siphash([]) == 0x726f_db47_dd0e_0e31)
        #expect(keys.siphash((0..<15).map { UInt8($0) }) == 0xa129_ca61_49be_45e5)
        #expect(keys.siphash((0..<8).map { UInt8($0) }) == 0x93f5_f579_9a93_2462)
        // The stored secret round-trips; anything else is refused.
        let secret = LeafKeys.newSecret()
        #expect(secret.count == 32 && LeafKeys(hex: secret) != nil)
        #expect(LeafKeys(hex: "xyz") == nil)
        #expect(
            LeafKeys(hex: "000102030405060708090a0b0c0d0e0f")
                == LeafKeys(k0: 0x0001_0203_0405_0607, k1: 0x0809_0a0b_0c0d_0e0f))
        // A value changes its key; so does its unit.
        let a = keys.key(element: "e", optionCombo: "c", attributeOptionCombo: "a", unit: "u", period: "2016", value: 3)
        #expect(
            a
                != keys.key(
                    element: "e", optionCombo: "c", attributeOptionCombo: "a", unit: "u", period: "2016", value: 4))
        #expect(
            a
                != keys.key(
                    element: "e", optionCombo: "c", attributeOptionCombo: "a", unit: "v", period: "2016", value: 3))
    }
}
