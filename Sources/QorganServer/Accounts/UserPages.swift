import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QorganAnalytics
import QorganCore
import QorganInterop
import QorganReports
import QorganStore

/// Users, for administrators: create, change, and the security log of the users they manage.
extension PageHandlers {
    func securityEvents(_ admin: Principal, managed: Set<String>, _ catalog: Catalog) throws -> [SecurityEvent] {
        let national = admin.isNational(in: catalog, on: state.today)
        let events = try state.store.securityEvents(limit: national ? 30 : 500)
        return national ? events : Array(events.filter { managed.contains($0.subject) }.prefix(30))
    }

    func users(
        _ r: Request, _ c: AppContext, _ user: Principal, notice: String?, error: APIError?,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        guard user.role.canManageUsers else {
            throw APIError.forbidden(state.messages.text("users_adminsOnly", c.language))
        }
        let catalog = try state.store.catalog()
        let lang = c.language
        let t = state.messages.table(lang)
        let list = try api.users(c)
        let unitOptions = unitChoices(user, catalog, selected: nil, depth: 2, lang: lang)
        return render(
            "users", c, r, title: t["nav_users"] ?? "Users", active: "users",
            [
                "users": list.map { u -> Ctx in
                    [
                        "username": u.username, "role": t["role_" + u.role] ?? u.role, "disabled": u.disabled,
                        "language": u.language ?? "",
                        "units": u.units.compactMap { catalog.unit($0)?.code }.joined(separator: ", "),
                        // Their units can be changed here: the administrator's choices, and their
                        // current units wherever they lie (so that saving the row never drops one).
                        "unitOptions":
                            (unitOptions
                            + u.units.compactMap { catalog.unit($0) }.filter { unit in
                                !unitOptions.contains { $0["uid"] as? String == unit.uid }
                            }.map { ["uid": $0.uid, "name": $0.name(in: lang)] as Ctx }).map { o -> Ctx in
                                var o = o
                                o["selected"] = (o["uid"] as? String).map(u.units.contains) ?? false
                                return o
                            },
                        "roles": Role.allCases.map {
                            [
                                "value": $0.rawValue, "label": t["role_" + $0.rawValue] ?? $0.rawValue,
                                "selected": $0.rawValue == u.role,
                            ] as Ctx
                        },
                    ]
                },
                // A new user starts with the least right: a viewer.
                "roles": Role.allCases.map {
                    [
                        "value": $0.rawValue, "label": t["role_" + $0.rawValue] ?? $0.rawValue,
                        "selected": $0 == .viewer,
                    ] as Ctx
                },
                "unitOptions": unitOptions,
                "notice": notice as Any, "error": error.map { $0.message } as Any,
                // The security log of the users this administrator manages (all of it for a national one).
                "events": try securityEvents(user, managed: Set(list.map(\.username) + [user.username]), catalog).map {
                    e -> Ctx in
                    [
                        "at": state.time(e.at), "actor": e.actor,
                        "action": t["security_" + e.action] ?? e.action, "subject": e.subject,
                        "detail": securityDetail(e.detail ?? "", t, catalog, c.language),
                    ]
                },
            ], status: status)
    }

    /// A security event's detail ("role data-entry; units ALA") in the page's language, units by name.
    func securityDetail(_ detail: String, _ t: [String: String], _ catalog: Catalog, _ lang: String) -> String {
        detail.components(separatedBy: "; ").map { part -> String in
            if part.hasPrefix("role ") {
                let role = String(part.dropFirst(5))
                return "\(t["users_role"] ?? "Role"): \(t["role_" + role] ?? role)"
            }
            if part.hasPrefix("units ") {
                let names = part.dropFirst(6).split(separator: ",").map {
                    catalog.unit($0.trimmingCharacters(in: .whitespaces))?.name(in: lang) ?? String($0)
                }
                return "\(t["users_units"] ?? "Units"): \(names.joined(separator: ", "))"
            }
            if part.hasPrefix("language ") {
                let code = String(part.dropFirst(9))
                return "\(t["account_language"] ?? "Language"): \(Messages.languageNames[code] ?? code)"
            }
            return t["security_detail_" + part] ?? part
        }.joined(separator: "; ")
    }

    func createUser(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let body = NewUserBody(
            username: form["username"]?.trimmingCharacters(in: .whitespaces) ?? "", password: form["password"] ?? "",
            role: form["role"] ?? "", units: form.all("units"),
            language: form["language"].flatMap { $0.isEmpty ? nil : $0 })
        do {
            let created = try api.createUser(body, c)
            return try users(
                r, c, user,
                notice: state.messages.text("users_created", c.language).replacingOccurrences(
                    of: "{name}", with: created.username), error: nil)
        } catch let e as APIError {
            return try users(r, c, user, notice: nil, error: e, status: e.status)
        } catch let e as QorganError {
            let e = APIError(e)
            return try users(r, c, user, notice: nil, error: e, status: e.status)
        }
    }

    func updateUser(_ r: Request, _ c: AppContext, _ user: Principal) async throws -> Response {
        var r = r
        let name = try c.parameters.require("username")
        let form = FormData(body: String(buffer: try await r.collectBody(upTo: 1 << 16)))
        let units = form.all("units")
        let body = UserChangeBody(
            role: form["role"], units: units.isEmpty ? nil : units,
            password: form["password"].flatMap { $0.isEmpty ? nil : $0 }, language: nil,
            disabled: form["disabled"] != nil)
        do {
            _ = try api.updateUser(name, body, c)
            return try users(
                r, c, user,
                notice: state.messages.text("users_updated", c.language).replacingOccurrences(of: "{name}", with: name),
                error: nil)
        } catch let e as APIError {
            return try users(r, c, user, notice: nil, error: e, status: e.status)
        } catch let e as QorganError {
            let e = APIError(e)
            return try users(r, c, user, notice: nil, error: e, status: e.status)
        }
    }
}
