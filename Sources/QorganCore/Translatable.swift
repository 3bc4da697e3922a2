/// Metadata with a name that may be translated.
public protocol Translatable {
    var name: String { get }
    var translations: [String: String]? { get }
}

extension Translatable {
    /// The name in `language` when a translation exists, else the name.
    public func name(in language: String) -> String {
        translations?[language].flatMap { $0.isEmpty ? nil : $0 } ?? name
    }
}

extension OrgUnit: Translatable {}

extension Category: Translatable {}

extension CategoryOption: Translatable {}

extension DataElement: Translatable {}

extension DataSet: Translatable {}

extension Indicator: Translatable {}
