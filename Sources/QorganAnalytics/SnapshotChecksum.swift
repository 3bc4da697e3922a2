extension EngineSnapshot {
    /// A 64-bit checksum of the body's 8-byte words, in blocks of 32 MB: each block summed on four
    /// independent lanes (a core keeps four multiplications in flight), the blocks' sums folded in
    /// order. A writer sums as it goes; a reader sums the blocks on every core while others copy
    /// the columns (a body of 1.2 GB at 100 M values). Only the last word may be partial.
    struct Checksum {
        static let blockBytes = 32 << 20
        private var folded: UInt64 = seed
        private var lanes = Lanes()
        private var inBlock = 0

        mutating func add(_ bytes: UnsafeRawBufferPointer) {
            var offset = 0
            while offset < bytes.count {
                let n = Swift.min(bytes.count - offset, Self.blockBytes - inBlock)
                lanes.add(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n]))
                inBlock += n
                offset += n
                if inBlock == Self.blockBytes {
                    folded = Self.fold(folded, lanes.value)
                    lanes = Lanes()
                    inBlock = 0
                }
            }
        }

        var value: UInt64 { inBlock > 0 ? Self.fold(folded, lanes.value) : folded }

        /// The sum of one block (at most `blockBytes`), as `add` sums it.
        static func block(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
            var lanes = Lanes()
            lanes.add(bytes)
            return lanes.value
        }

        /// The checksum from the blocks' sums, in order.
        static func combine(_ blocks: [UInt64]) -> UInt64 { blocks.reduce(seed, fold) }

        /// The number of blocks in a body of `length` bytes.
        static func blocks(_ length: Int) -> Int { (length + blockBytes - 1) / blockBytes }

        static let seed: UInt64 = 0xcbf2_9ce4_8422_2325
        static let prime: UInt64 = 0x0000_0100_0000_01b3

        @inline(__always) static func fold(_ h: UInt64, _ word: UInt64) -> UInt64 {
            let x = (h ^ word) &* prime
            return x ^ (x >> 29)
        }

        /// Four running sums: word k of a block goes to lane k mod 4.
        struct Lanes {
            var a = seed, b = seed ^ 1, c = seed ^ 2, d = seed ^ 3
            var words: UInt64 = 0

            mutating func add(_ bytes: UnsafeRawBufferPointer) {
                var i = 0
                let whole = bytes.count / 8 * 8
                func word(_ at: Int) -> UInt64 {
                    UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                }
                while i < whole && words % 4 != 0 {
                    one(word(i))
                    i += 8
                }
                while i + 32 <= whole {
                    a = fold(a, word(i))
                    b = fold(b, word(i + 8))
                    c = fold(c, word(i + 16))
                    d = fold(d, word(i + 24))
                    i += 32
                    words += 4
                }
                while i < whole {
                    one(word(i))
                    i += 8
                }
                if i < bytes.count {
                    var last: UInt64 = 0
                    for (k, byte) in bytes[i...].enumerated() { last |= UInt64(byte) << (8 * k) }
                    one(last)
                }
            }

            private mutating func one(_ w: UInt64) {
                switch words % 4 {
                case 0: a = fold(a, w)
                case 1: b = fold(b, w)
                case 2: c = fold(c, w)
                default: d = fold(d, w)
                }
                words += 1
            }

            var value: UInt64 { [b, c, d, words].reduce(a, fold) }
        }
    }
}
