public struct CategoryOption: Hashable, Sendable, Codable {
    public var uid: String
    public var code: String
    public var name: String
    /// The name in other languages, by language code (`ru`, `kk`).
    public var translations: [String: String]?
    public init(uid: String, code: String, name: String, translations: [String: String]? = nil) {
        self.uid = uid
        self.code = code
        self.name = name
        self.translations = translations
    }
    enum CodingKeys: String, CodingKey { case uid, code, name, translations }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        translations = try c.decodeIfPresent([String: String].self, forKey: .translations)
    }
}

/// A dimension of disaggregation (target group, sex, age band) and its options.
public struct Category: Hashable, Sendable, Codable {
    public var uid: String
    public var code: String
    public var name: String
    public var options: [CategoryOption]
    /// The name in other languages, by language code (`ru`, `kk`).
    public var translations: [String: String]?
    public init(
        uid: String, code: String, name: String, options: [CategoryOption], translations: [String: String]? = nil
    ) {
        self.uid = uid
        self.code = code
        self.name = name
        self.options = options
        self.translations = translations
    }
    enum CodingKeys: String, CodingKey { case uid, code, name, options, translations }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        options = try c.decode([CategoryOption].self, forKey: .options)
        translations = try c.decodeIfPresent([String: String].self, forKey: .translations)
    }
}

/// A disaggregation: one or more categories crossed.
public struct CategoryCombo: Hashable, Sendable, Codable {
    public var uid: String
    public var code: String
    public var name: String
    /// Category references (uid or code in a document; uids once stored).
    public var categories: [String]
    public init(uid: String, code: String, name: String, categories: [String]) {
        self.uid = uid
        self.code = code
        self.name = name
        self.categories = categories
    }
    enum CodingKeys: String, CodingKey { case uid, code, name, categories }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
        code = try c.decode(String.self, forKey: .code)
        name = try c.decode(String.self, forKey: .name)
        categories = try c.decodeIfPresent([String].self, forKey: .categories) ?? []
    }

    public static let defaultUid = Uid.stable("categoryCombo:default")
    public static let defaultCode = "default"
}

/// One cell of a disaggregation: an option of each category of a combination.
/// Derived, never authored: a combination's option combinations are the Cartesian
/// product of its categories' options.
public struct CategoryOptionCombo: Hashable, Sendable, Codable {
    public var uid: String
    /// The option codes joined with `_` (`STUDENTS_FEMALE`), unique within its combination; `default` for the default.
    public var code: String
    public var name: String
    public var categoryCombo: String
    public var options: [String]

    public static let defaultUid = Uid.stable("categoryOptionCombo:default")
}
