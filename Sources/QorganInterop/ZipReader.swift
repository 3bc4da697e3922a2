import Foundation

/// Why an archive could not be read: named so that an upload's error says what is wrong.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Zip {
    /// The most an archive may unpack to, all entries together, counted as bytes come out (not as
    /// the archive declares them), and how many entries it may hold: a spreadsheet of a form is far
    /// below both (a few hundred KB in about a dozen entries), a "zip bomb" far above.
    public static let maxUnpackedBytes = 8 << 20
    public static let maxEntries = 256

    /// The files of a ZIP archive (stored or deflated entries, as Excel, LibreOffice and openpyxl
    /// write them), by name. Refused with the reason: more than `maxEntries` entries, more than
    /// `maxUnpackedBytes` unpacked in all, an entry that unpacks to another size than it declares,
    /// two entries that share bytes or a name, a damaged or cut-short archive. Nested archives
    /// are never opened.
    public static func entries(_ archive: Data) throws -> [String: Data] {
        let bytes = [UInt8](archive)
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= bytes.count else { throw ArchiveError("the archive is cut short") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> Int {
            let low = try u16(at)
            let high = try u16(at + 2)
            return low | high << 16
        }
        // The end of the central directory: its signature within the last 64 KiB + 22 bytes.
        var end = -1
        var i = bytes.count - 22
        while i >= max(0, bytes.count - 22 - 65_535) {
            if bytes[i] == 0x50 && bytes[i + 1] == 0x4b && bytes[i + 2] == 0x05 && bytes[i + 3] == 0x06 {
                end = i
                break
            }
            i -= 1
        }
        guard end >= 0 else { throw ArchiveError("not a ZIP archive (an .xlsx file is one)") }
        let count = try u16(end + 10)
        var at = try u32(end + 16)
        guard count <= maxEntries else { throw ArchiveError("the archive holds more than \(maxEntries) files") }
        var out: [String: Data] = [:]
        var budget = maxUnpackedBytes
        var taken: [Range<Int>] = []
        for _ in 0..<count {
            guard try u32(at) == 0x0201_4b50 else { throw ArchiveError("the archive's directory is damaged") }
            let method = try u16(at + 10)
            let compressed = try u32(at + 20)
            let size = try u32(at + 24)
            let nameLength = try u16(at + 28)
            let extraLength = try u16(at + 30)
            let commentLength = try u16(at + 32)
            let local = try u32(at + 42)
            guard at + 46 + nameLength <= bytes.count else { throw ArchiveError("the archive is cut short") }
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            at += 46 + nameLength + extraLength + commentLength
            guard out[name] == nil else { throw ArchiveError("the archive holds \(name) twice") }
            guard try u32(local) == 0x0403_4b50 else { throw ArchiveError("the archive's entry \(name) is damaged") }
            let localName = try u16(local + 26)
            let localExtra = try u16(local + 28)
            let start = local + 30 + localName + localExtra
            guard start + compressed <= bytes.count else { throw ArchiveError("the archive is cut short") }
            let span = local..<(start + compressed)
            guard !taken.contains(where: { $0.overlaps(span) }) else {
                throw ArchiveError("the archive's entry \(name) shares its bytes with another entry")
            }
            taken.append(span)
            guard size <= budget else {
                throw ArchiveError("the archive unpacks to more than \(maxUnpackedBytes >> 20) MB")
            }
            let body = Array(bytes[start..<(start + compressed)])
            let data: [UInt8]
            switch method {
            case 0: data = body
            case 8:
                // At most what the entry declares (and what is left of the budget): a lie is found
                // as soon as one byte more comes out, not after.
                do {
                    data = try Inflate.run(body, limit: size)
                } catch let error as ArchiveError {
                    throw ArchiveError("the archive's entry \(name): \(error.description)")
                }
            default: throw ArchiveError("the archive's entry \(name) is compressed with method \(method), not deflate")
            }
            guard data.count == size else {
                throw ArchiveError("the archive's entry \(name) declares \(size) bytes but holds \(data.count)")
            }
            budget -= data.count
            out[name] = Data(data)
        }
        return out
    }
}

/// DEFLATE (RFC 1951) decompression: stored, fixed and dynamic Huffman blocks.
enum Inflate {
    struct Bits {
        let input: [UInt8]
        var position = 0
        var buffer = 0
        var count = 0

        mutating func take(_ n: Int) throws -> Int {
            while count < n {
                guard position < input.count else { throw ArchiveError("a compressed entry is cut short") }
                buffer |= Int(input[position]) << count
                position += 1
                count += 8
            }
            let v = buffer & ((1 << n) - 1)
            buffer >>= n
            count -= n
            return v
        }

        mutating func align() {
            buffer = 0
            count = 0
        }
    }

    /// A canonical Huffman code: how many codes of each length, and the symbols in code order.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        init(lengths: [Int]) throws {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var offsets = [Int](repeating: 0, count: 16)
            for l in 1..<16 { offsets[l] = offsets[l - 1] + counts[l - 1] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (s, l) in lengths.enumerated() where l != 0 {
                symbols[offsets[l]] = s
                offsets[l] += 1
            }
        }

        func decode(_ bits: inout Bits) throws -> Int {
            var code = 0
            var first = 0
            var index = 0
            for l in 1..<16 {
                code |= try bits.take(1)
                let n = counts[l]
                if code - n < first { return symbols[index + (code - first)] }
                index += n
                first = (first + n) << 1
                code <<= 1
            }
            throw ArchiveError("a compressed entry has an invalid code")
        }
    }

    static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
        1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
        12, 13, 13,
    ]
    static let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static func run(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var bits = Bits(input: input)
        var out: [UInt8] = []
        out.reserveCapacity(min(limit, input.count * 4))
        var last = false
        while !last {
            last = try bits.take(1) == 1
            switch try bits.take(2) {
            case 0:
                bits.align()
                let p = bits.position
                guard p + 4 <= input.count else { throw ArchiveError("a compressed entry is cut short") }
                let len = Int(input[p]) | Int(input[p + 1]) << 8
                let nlen = Int(input[p + 2]) | Int(input[p + 3]) << 8
                guard len == (~nlen & 0xffff), p + 4 + len <= input.count else {
                    throw ArchiveError("a compressed entry has a damaged stored block")
                }
                guard out.count + len <= limit else {
                    throw ArchiveError("a compressed entry unpacks to more than it declares")
                }
                out.append(contentsOf: input[(p + 4)..<(p + 4 + len)])
                bits.position = p + 4 + len
            case 1:
                let literal = try Huffman(lengths: (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 })
                let distance = try Huffman(lengths: [Int](repeating: 5, count: 30))
                try codes(&bits, &out, literal, distance, limit)
            case 2:
                let nlen = try bits.take(5) + 257
                let ndist = try bits.take(5) + 1
                let ncode = try bits.take(4) + 4
                guard nlen <= 286, ndist <= 30 else { throw ArchiveError("a compressed entry has too many codes") }
                var lengths = [Int](repeating: 0, count: 19)
                for i in 0..<ncode { lengths[order[i]] = try bits.take(3) }
                let lengthCode = try Huffman(lengths: lengths)
                var all: [Int] = []
                while all.count < nlen + ndist {
                    let symbol = try lengthCode.decode(&bits)
                    switch symbol {
                    case 0..<16: all.append(symbol)
                    case 16:
                        guard let previous = all.last else { throw ArchiveError("a compressed entry repeats nothing") }
                        let n = try bits.take(2)
                        all += [Int](repeating: previous, count: 3 + n)
                    case 17:
                        let n = try bits.take(3)
                        all += [Int](repeating: 0, count: 3 + n)
                    default:
                        let n = try bits.take(7)
                        all += [Int](repeating: 0, count: 11 + n)
                    }
                }
                guard all.count == nlen + ndist else { throw ArchiveError("a compressed entry has too many lengths") }
                try codes(
                    &bits, &out, try Huffman(lengths: Array(all[0..<nlen])),
                    try Huffman(lengths: Array(all[nlen...])), limit)
            default: throw ArchiveError("a compressed entry has an invalid block type")
            }
            guard out.count <= limit else { throw ArchiveError("a compressed entry unpacks to more than it declares") }
        }
        return out
    }

    static func codes(
        _ bits: inout Bits, _ out: inout [UInt8], _ literal: Huffman, _ distance: Huffman, _ limit: Int
    ) throws {
        while true {
            let symbol = try literal.decode(&bits)
            if symbol < 256 {
                guard out.count < limit else {
                    throw ArchiveError("a compressed entry unpacks to more than it declares")
                }
                out.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let s = symbol - 257
                guard s < lengthBase.count else { throw ArchiveError("a compressed entry has an invalid length") }
                let extra = try bits.take(lengthExtra[s])
                let length = lengthBase[s] + extra
                let d = try distance.decode(&bits)
                guard d < distanceBase.count else { throw ArchiveError("a compressed entry has an invalid distance") }
                let far = try bits.take(distanceExtra[d])
                let back = distanceBase[d] + far
                guard back <= out.count else { throw ArchiveError("a compressed entry points before its start") }
                guard out.count + length <= limit else {
                    throw ArchiveError("a compressed entry unpacks to more than it declares")
                }
                let from = out.count - back
                for k in 0..<length { out.append(out[from + k]) }
            }
        }
    }
}
