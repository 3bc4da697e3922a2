import Foundation

/// Reads back what XLSX writes: the entries of a stored ZIP and the cells of sheet 1.
public enum XLSXReading {
    public static func entries(_ data: Data) -> [String: Data] {
        var out: [String: Data] = [:]
        let b = [UInt8](data)
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        var i = 0
        while i + 30 <= b.count, u32(i) == 0x0403_4b50 {
            let size = u32(i + 18)
            let nameLength = u16(i + 26)
            let extra = u16(i + 28)
            let name = String(decoding: b[(i + 30)..<(i + 30 + nameLength)], as: UTF8.self)
            let start = i + 30 + nameLength + extra
            out[name] = Data(b[start..<(start + size)])
            i = start + size
        }
        return out
    }

    /// Rows of sheet 1 as text (numbers as written).
    public static func cells(_ data: Data) throws -> [[String]] {
        let xml = String(decoding: entries(data)["xl/worksheets/sheet1.xml"] ?? Data(), as: UTF8.self)
        return xml.components(separatedBy: "<row ").dropFirst().map { row in
            row.components(separatedBy: "<c ").dropFirst().map { cell in
                if let t = cell.range(of: "<t"), let start = cell[t.upperBound...].firstIndex(of: ">"),
                    let end = cell.range(of: "</t>")
                {
                    return String(cell[cell.index(after: start)..<end.lowerBound])
                }
                if let v = cell.range(of: "<v>"), let end = cell.range(of: "</v>") {
                    return String(cell[v.upperBound..<end.lowerBound])
                }
                return ""
            }
        }
    }

    public static func numericCells(_ data: Data) -> Int {
        String(decoding: entries(data)["xl/worksheets/sheet1.xml"] ?? Data(), as: UTF8.self).components(
            separatedBy: "<v>"
        ).count - 1
    }
}
