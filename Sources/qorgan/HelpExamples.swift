import ArgumentParser
import Foundation

/// Every command's `--help` ends with examples a person can type as they are (each under 78
/// columns, so that no terminal wraps it), looked up by the command's type.
enum HelpExamples {
    static let table: [String: [String]] = [
        "Init": ["qorgan init --database empty.sqlite"],
        "Demo": ["qorgan demo", "qorgan demo --force --database demo.sqlite"],
        "Serve": ["qorgan serve --demo", "qorgan serve --database prod.sqlite --port 9000 --host 0.0.0.0"],
        "Users": ["qorgan users list", "echo 'a long secret' | qorgan users add ana --role analyst --unit KZ"],
        "Users.Add": [
            "echo 'a long secret' | qorgan users add ana --role analyst --unit KZ",
            "QORGAN_PW='a long secret' qorgan users add bek --role data-entry \\",
            "    --unit AKT --password-env QORGAN_PW",
        ],
        "Users.List": ["qorgan users list"],
        "Users.Change": ["qorgan users change ana --role viewer", "qorgan users change bek --disable"],
        "Users.Token": ["qorgan users token analyst --name my-script --expires-in-days 90"],
        "Users.Unlock": ["qorgan users unlock admin"],
        "MetadataCommand": ["qorgan metadata export --output metadata.json"],
        "MetadataCommand.Import": ["qorgan metadata import metadata.json --dry-run"],
        "MetadataCommand.Export": ["qorgan metadata export --output metadata.json"],
        "Values": ["qorgan values show --element CONVICTIONS --unit ALA --period 201712"],
        "Values.Set": [
            "qorgan values set --element CONVICTIONS --unit AKT --period 201801 --value 3",
            "qorgan values set --element TG_REACHED --combo STUDENTS --unit AKT \\",
            "    --period 2018 --value 500 --comment 'from the school returns'",
        ],
        "Values.Show": ["qorgan values show --element CONVICTIONS --unit ALA --period 201712"],
        "Values.Delete": ["qorgan values delete --element CONVICTIONS --unit AKT --period 201801"],
        "Values.History": ["qorgan values history --element CONVICTIONS --unit ALA --period 201712"],
        "Values.Import": ["qorgan values import values.csv --dry-run", "qorgan values import month.adx"],
        "Values.Export": [
            "qorgan values export --id-scheme code --output values.csv",
            "qorgan values export --format adx --element CONVICTIONS",
        ],
        "Incidents": ["qorgan incidents list --from 2016 --to 2016", "qorgan incidents codes"],
        "Incidents.Add": [
            "qorgan incidents add --date 2017-11 --unit MAN --outcome foiled \\",
            "    --attack-type 3 --target-type 3 --weapon-type 6 \\",
            "    --summary 'A planned bombing, stopped.' --source 'Office report'",
        ],
        "Incidents.Edit": ["qorgan incidents edit UID --killed 0 --wounded 2"],
        "Incidents.Delete": ["qorgan incidents delete UID"],
        "Incidents.List": [
            "qorgan incidents list --from 2016 --to 2016 --outcome completed",
            "qorgan incidents list --unit AKT --format csv",
        ],
        "Incidents.Show": ["qorgan incidents show UID"],
        "Incidents.Import": [
            "qorgan incidents import gtd.csv --country Kazakhstan \\",
            "    --mapping provstate.csv --dry-run",
        ],
        "Incidents.Export": ["qorgan incidents export --from 2013 --to 2017 --output incidents.csv"],
        "Incidents.Codes": ["qorgan incidents codes"],
        "Readiness": ["qorgan readiness instruments", "qorgan readiness gaps --before 2015 --after 2017"],
        "Readiness.Instruments": ["qorgan readiness instruments"],
        "Readiness.InstrumentImport": ["qorgan readiness instrument-import checklist.json"],
        "Readiness.InstrumentExport": ["qorgan readiness instrument-export OFFICE_READINESS > checklist.json"],
        "Readiness.Derive": ["qorgan readiness derive OFFICE_READINESS"],
        "Readiness.Assess": ["qorgan readiness assess examples/assessment.json"],
        "Readiness.List": ["qorgan readiness list --unit AKT --year 2017"],
        "Readiness.Delete": ["qorgan readiness delete UID"],
        "Readiness.Gaps": ["qorgan readiness gaps --before 2015 --after 2017 --top 10"],
        "Sites": ["qorgan sites list --unit AKT", "qorgan sites flags --on 2017-12-31"],
        "Sites.List": ["qorgan sites list --unit AKT"],
        "Sites.Import": ["qorgan sites import examples/sites.csv"],
        "Sites.Inspect": ["qorgan sites inspect examples/inspection.json"],
        "Sites.Flags": ["qorgan sites flags --on 2017-12-31 --unit AKT"],
        "Sites.Config": ["qorgan sites config > sites.json", "qorgan sites config --set sites.json"],
        "Framework": ["qorgan framework export --output framework.json"],
        "Framework.Import": ["qorgan framework import framework.json"],
        "Framework.Export": ["qorgan framework export --output framework.json"],
        "PublicationCommand": ["qorgan publication export --output publication.json"],
        "PublicationCommand.Import": ["qorgan publication import examples/publication.json"],
        "PublicationCommand.Export": ["qorgan publication export --output publication.json"],
        "Query": [
            "qorgan query --dx IND_TG_COVERAGE --pe 2016 --ou LEVEL-2",
            "qorgan query --dx TG_REACHED --co --pe 2013..2017 --ou KZ \\",
            "    --period-type Yearly --rows co --columns pe",
            "qorgan query --dx IND_READINESS --pe LAST_5_YEARS --today 2017-12-31 \\",
            "    --ou CHILDREN:KZ --format csv",
        ],
        "Compute": [
            "qorgan compute IND_TG_COVERAGE --unit KZ --periods 2016",
            "qorgan compute TG_REACHED.STUDENTS --unit AKT --periods 2013..2017",
        ],
        "Validate": [
            "qorgan validate --periods 2013..2017",
            "qorgan validate --unit ALA --periods 2017 --format json --language ru",
        ],
        "CompletenessCommand": [
            "qorgan completeness --data-set SECURITY --periods 2017",
            "qorgan completeness --data-set PREVENTION --unit ZKO --periods 2017 --by period",
        ],
        "Complete": [
            "qorgan complete --data-set SECURITY --unit ZKO --period 201711 --incomplete",
            "qorgan complete --data-set SECURITY --unit ZKO --period 201711",
        ],
        "Outliers": [
            "qorgan outliers --periods 2017 --unit ALA",
            "qorgan outliers --generate-bounds --data-set PREVENTION --unit ALA \\",
            "    --periods 2017 --algorithm MIN_MAX_VALUES",
        ],
        "Approvals": [
            "qorgan approvals --data-set SECURITY --periods 2017",
            "qorgan approvals --data-set PREVENTION --periods 201709 --unit ALA --history",
        ],
        "Report": [
            "qorgan report",
            "qorgan report --format html --output report.html --language ru",
            "qorgan report --format pdf --output report.pdf --edition public",
            "qorgan report --format json --periods 2016 --unit AKT",
        ],
        "Periods": ["qorgan periods 2017Nov 2020BiW27 2015WedW5 2017NovQ1"],
        "Backup": ["qorgan backup backups/prod-2017-12-31.sqlite --database prod.sqlite"],
        "Restore": [
            "qorgan restore backups/prod.sqlite --database drill.sqlite",
            "qorgan restore backups/prod.sqlite --replace --database prod.sqlite",
        ],
        "Migrate": [
            "qorgan migrate --from qorgan.sqlite \\",
            "    --to postgres://qorgan:SECRET@127.0.0.1:5432/qorgan",
        ],
        "Bench": ["qorgan bench analytics --values 1000000"],
        "Bench.Validation": ["qorgan bench validation --runs 20"],
        "Bench.Analytics": ["qorgan bench analytics --values 1000000 --runs 10"],
        "Bench.ColdStart": ["qorgan bench cold-start --values 1000000"],
        "Bench.EngineLoad": ["qorgan bench engine-load --against other.sqlite --runs 3"],
        "Bench.Propagation": ["qorgan bench propagation --url http://127.0.0.1:8099 --token TOKEN"],
    ]

    /// The command's discussion with its prose unwrapped (the help wraps it to the terminal) and
    /// its examples after it.
    static func discussion(for type: Any.Type, _ text: String) -> String {
        let key = String(reflecting: type).split(separator: ".").dropFirst().joined(separator: ".")
        var paragraphs: [String] = []
        var current = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            // Examples live in the table, once.
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "Examples:" || (line.hasPrefix("  ") && trimmed.hasPrefix("qorgan ")) { continue }
            if trimmed.isEmpty {
                if !current.isEmpty { paragraphs.append(current) }
                current = ""
            } else if line.hasPrefix("  ") || current.hasPrefix("  ") {
                current += current.isEmpty ? line : "\n" + line
            } else {
                current += current.isEmpty ? line : " " + line
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        if let examples = table[key] {
            paragraphs.append("Examples:\n" + examples.map { "  " + $0 }.joined(separator: "\n"))
        }
        return paragraphs.joined(separator: "\n\n")
    }
}

extension CommandConfiguration {
    /// A command's configuration with its examples (`HelpExamples`).
    static func qorgan(
        _ type: Any.Type, commandName: String? = nil, abstract: String = "", discussion: String = "",
        subcommands: [ParsableCommand.Type] = []
    ) -> CommandConfiguration {
        CommandConfiguration(
            commandName: commandName, abstract: abstract,
            discussion: HelpExamples.discussion(for: type, discussion), subcommands: subcommands)
    }
}
