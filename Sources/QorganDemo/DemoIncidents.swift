import QorganCore
import Synchronization

/// The demo's incident register: the two public attacks of 2016 as completed events, and
/// twelve illustrative foiled plots over 2013–2017 (marked illustrative), so that acts
/// prevented (F1) and not prevented (F9) come out of events.
enum DemoIncidents {
    static let attacks: [Incident] = [
        Incident(
            date: IncidentDate(day: Day.firstOfMonth(2016, 6).adding(days: 4)), unit: "AKT_AKTOBE",
            placeName: "Aktobe: two gun shops and a National Guard unit",
            outcome: .completed, attackType: 2, targetType: 4, weaponType: 5, propertyDamage: .yes, propertyExtent: 3,
            claimed: .no,
            summary:
                "Armed attackers seized weapons at two gun shops and attacked a National Guard military unit in Aktobe. "
                + "Casualty figures differ between sources and are left unknown here.",
            sources: ["Press reports of 5–7 June 2016", "Statements of the authorities of Kazakhstan, June 2016"]),
        Incident(
            date: IncidentDate(day: Day.firstOfMonth(2016, 7).adding(days: 17)), unit: "ALA",
            placeName: "Almaty: a district police department",
            outcome: .completed, attackType: 2, targetType: 3, weaponType: 5, propertyDamage: .unknown, claimed: .no,
            summary:
                "A gunman attacked a district police department and nearby buildings of the security services in Almaty. "
                + "Casualty figures differ between sources and are left unknown here.",
            sources: ["Press reports of 18–19 July 2016", "Statements of the authorities of Kazakhstan, July 2016"]),
    ]

    /// Kinds of plots, in turn: (attack type, target type, weapon type, summary).
    static let plotKinds: [(Int, Int, Int, String)] = [
        (
            3, 3, 6,
            "Illustrative: a planned bombing of a police building, stopped while explosives were being prepared."
        ),
        (
            2, 14, 5,
            "Illustrative: a planned armed attack on a crowded public place, stopped after weapons were acquired."
        ),
        (3, 15, 6, "Illustrative: a planned bombing of a place of worship, stopped at the planning stage."),
        (7, 21, 8, "Illustrative: a planned arson attack on a utility facility, stopped before it was carried out."),
        (1, 2, 5, "Illustrative: a planned assassination of a local official, stopped at the planning stage."),
        (
            3, 19, 6,
            "Illustrative: a planned bombing on public transport, stopped while explosives were being prepared."
        ),
    ]

    static func all() -> [Incident] {
        let places = DemoProgramme.foiledPlotPlaces()
        let plots = places.enumerated().map { n, p -> Incident in
            let kind = plotKinds[n % plotKinds.count]
            return Incident(
                date: IncidentDate(monthOf: Day.firstOfMonth(p.year, p.month)), unit: p.region, outcome: .foiled,
                attackType: kind.0, targetType: kind.1, weaponType: kind.2, killed: 0, wounded: 0,
                propertyDamage: .no, claimed: .no, summary: kind.3,
                sources: ["Illustrative record of the demo programme (not a real event)"], illustrative: true)
        }
        return (attacks + plots).sorted { $0.date < $1.date }
    }

    /// Stable uids for the demo's incidents, so that the demo database is reproducible.
    static func uidSequence() -> @Sendable () -> String {
        let counter = Counter()
        return { Uid.stable("demo:incident:\(counter.next())") }
    }

    final class Counter: Sendable {
        private let n = Mutex(0)
        func next() -> Int {
            n.withLock {
                $0 += 1
                return $0
            }
        }
    }
}

extension DemoProgramme {
    /// The demo's incidents: two public attacks, twelve illustrative foiled plots.
    public static func incidents() -> [Incident] { DemoIncidents.all() }
}
