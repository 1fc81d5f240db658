// How containers look in `ps` and `inspect`: podman's fields and JSON shape.
import BerthEngine
import BerthImage
import BerthTemplate
import FoundationEssentials

enum ContainerViews {
    static func status(_ c: ContainerDetails) -> String {
        let now = Date().timeIntervalSince1970
        switch c.state.status {
        case .created: return "Created"
        case .running where c.state.isPaused: return "Paused"
        case .running: return "Up " + HumanUnits.duration(now - (c.state.startedAt ?? now)) + HealthViews.statusSuffix(c)
        case .exited, .stopped:
            return "Exited (\(c.state.exitCode)) " + HumanUnits.durationSince(now - (c.state.finishedAt ?? now))
        }
    }

    static func command(_ c: ContainerDetails, noTrunc: Bool) -> String {
        let text = ([c.record.path] + c.record.args).joined(separator: " ")
        return noTrunc || text.count <= 17 ? text : String(text.prefix(17)) + "..."
    }

    static func row(_ c: ContainerDetails, noTrunc: Bool) -> TemplateValue {
        let created = Date(timeIntervalSince1970: c.record.created)
        return .structure("containers.psReporter", [
            ("ID", .string(noTrunc ? c.record.id : String(c.record.id.prefix(12)))),
            ("Image", .string(c.record.imageName)), ("ImageID", .string(c.record.imageID)),
            ("Command", .string(command(c, noTrunc: noTrunc))),
            ("CreatedHuman", .string(ImageViews.since(created))), ("CreatedAt", .string(ImageViews.goTime(created))),
            ("Created", .string(ImageViews.since(created))), ("RunningFor", .string(ImageViews.since(created))),
            ("Status", .string(status(c))), ("State", .string(c.state.statusName)), ("Ports", .string(PortViews.column(c.record.ports ?? []))),
            ("Names", .string(c.record.name)), ("Labels", ImageViews.labels(c.record.labels)),
            ("Pid", .int(Int64(c.state.status == .running ? c.state.pid : 0))),
            ("ExitCode", .int(Int64(c.state.exitCode))), ("Mounts", ImageViews.strings(c.record.mounts.map(\.destination))),
            // The rest of podman's psReporter, so that templates naming them run (an unknown field fails).
            ("AutoRemove", .bool(c.record.autoRemove)), ("Exited", .bool(c.state.status == .exited)),
            ("StartedAt", unixTime(c.state.startedAt)), ("ExitedAt", unixTime(c.state.finishedAt)),
            // The networks joined by name (podman: "podman" for its default one); none for pasta,
            // slirp4netns, host, none and shared namespaces, as podman lists none for them.
            ("Networks", .string((c.record.networkRequests ?? []).map(\.name).joined(separator: ","))),
            ("Pod", .string("")), ("PodName", .string("")), ("IsInfra", .bool(false)),
            ("Namespaces", .structure("entities.ListContainerNamespaces",
                                      ["Cgroup", "IPC", "MNT", "NET", "PIDNS", "User", "UTS"].map { ($0, .string("")) })),
        ] + ["Cgroup", "IPC", "MNT", "NET", "PIDNS", "User", "UTS"].map { ($0, .string("")) })
    }

    /// Go's time.Time.Unix(): the zero time (never started) is -62135596800.
    static func unixTime(_ seconds: Double?) -> TemplateValue {
        .int(seconds.map { Int64($0) } ?? -62_135_596_800)
    }

    static func json(_ c: ContainerDetails) -> TemplateValue {
        .structure("entities.ListContainer", [
            ("AutoRemove", .bool(c.record.autoRemove)), ("Command", ImageViews.strings([c.record.path] + c.record.args)),
            ("CreatedAt", .string(ImageViews.since(Date(timeIntervalSince1970: c.record.created)))),
            ("Exited", .bool(c.state.status == .exited)), ("ExitedAt", .int(Int64(c.state.finishedAt ?? 0))),
            ("ExitCode", .int(Int64(c.state.exitCode))), ("Id", .string(c.record.id)), ("Image", .string(c.record.imageName)),
            ("ImageID", .string(c.record.imageID)), ("Labels", ImageViews.labels(c.record.labels)),
            ("Names", ImageViews.strings([c.record.name])), ("Pid", .int(Int64(c.state.status == .running ? c.state.pid : 0))),
            ("Ports", PortViews.json(c.record.ports)), ("StartedAt", .int(Int64(c.state.startedAt ?? 0))), ("State", .string(c.state.statusName)),
            ("Status", .string(status(c))), ("Created", .int(Int64(c.record.created))),
        ])
    }

    static func time(_ seconds: Double?) -> TemplateValue {
        .string(seconds.map { RFC3339.format(Date(timeIntervalSince1970: $0)) } ?? "0001-01-01T00:00:00Z")
    }

    /// `inspect` of a container, podman's key order (the fields berth has).
    static func inspect(_ c: ContainerDetails, logPath: String = "") -> TemplateValue {
        let r = c.record, s = c.state
        let mounts = r.mounts.compactMap { inspectMount($0, volumes: c.volumesDirectory) }
        // "interface {}": podman runs inspect templates over a []interface{}.
        return .structure("interface {}", [
            ("Id", .string(r.id)), ("Created", time(r.created)), ("Path", .string(r.path)), ("Args", ImageViews.strings(r.args)),
            ("State", .structure("*define.InspectContainerState", [
                ("Status", .string(s.statusName)), ("Running", .bool(s.status == .running && !s.isPaused)), ("Paused", .bool(s.isPaused)),
                ("Restarting", .bool(false)), ("OOMKilled", .bool(s.oomKilled == true)), ("Dead", .bool(false)),
                ("Pid", .int(Int64(s.status == .running ? s.pid : 0))),
                ("ConmonPid", .int(Int64(s.monitorIsAlive ? s.monitorPID ?? 0 : 0))), ("ExitCode", .int(Int64(s.exitCode))),
                ("Error", .string(s.error ?? "")), ("StartedAt", time(s.startedAt)), ("FinishedAt", time(s.finishedAt)),
                ("Health", HealthViews.state(s.health)),
            ])),
            ("Image", .string(r.imageID)), ("ImageName", .string(r.imageName)), ("Name", .string(r.name)),
            ("PidFile", .string(r.pidFile ?? "")), ("ConmonPidFile", .string(r.conmonPidFile ?? "")),
            ("RestartCount", .int(Int64(s.restartCount ?? 0))), ("Mounts", .array(mounts)),
            ("Dependencies", ImageViews.strings(Engine.dependencies(r))),
            ("NetworkSettings", networkSettings(c)),
            ("Config", .structure("*define.InspectContainerConfig", [
                ("Hostname", .string(r.hostname)), ("User", .string(r.user)), ("Env", ImageViews.strings(r.env)),
                ("Cmd", ImageViews.strings(r.cmd)), ("Image", .string(r.imageName)), ("WorkingDir", .string(r.workingDir)),
                ("Entrypoint", ImageViews.strings(r.entrypoint)), ("Labels", ImageViews.labels(r.labels)),
                ("Annotations", ImageViews.labels(r.annotations ?? [:])),
                ("StopSignal", .string(r.stopSignal)),
            ] + HealthViews.config(r) + [
                ("Tty", .bool(r.tty)), ("OpenStdin", .bool(r.interactive)),
                ("Timezone", .string(r.timezone ?? "")), ("Timeout", .int(Int64(r.timeout ?? 0))),
                ("StopTimeout", .int(Int64(r.stopTimeoutSeconds))),
                ("sdNotifyMode", .string(r.sdNotify.rawValue)),
            ])),
            ("HostConfig", .structure("*define.InspectContainerHostConfig", [
                ("NetworkMode", .string(r.network)), ("Privileged", .bool(r.privileged)), ("ReadonlyRootfs", .bool(r.readOnly)),
                ("CapAdd", ImageViews.strings(r.capAdd)), ("CapDrop", ImageViews.strings(r.capDrop)), ("AutoRemove", .bool(r.autoRemove)),
                ("Init", .bool(r.useInit)), ("UsernsMode", .string(r.userns)),
                ("RestartPolicy", .structure("define.InspectRestartPolicy", [
                    ("Name", .string(r.restart.kind == .no && r.restartPolicy == nil ? "" : r.restart.kind.rawValue)),
                    ("MaximumRetryCount", .int(Int64(r.restart.maximumRetries))),
                ])),
                ("SecurityOpt", ImageViews.strings((r.seccomp.map { ["seccomp=" + $0] } ?? []) + (r.noNewPrivileges ? ["no-new-privileges"] : []))),
                ("LogConfig", logConfig(r, path: logPath)),
                ("PortBindings", PortViews.bindings(r)),
            ] + ResourceViews.hostConfig(r) + NamespaceViews.hostConfig(r))),
        ])
    }
}

extension ContainerViews {
    /// HostConfig.LogConfig as podman shows it: the driver, no options map, the log
    /// file (none for the none driver), --log-opt tag, and max-size as go-units'
    /// HumanSize ("0B", "10MB").
    static func logConfig(_ r: ContainerRecord, path: String) -> TemplateValue {
        let driver = r.logDriver ?? "k8s-file"
        var size = Double(r.logMaxSize ?? 0), unit = 0
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        while size >= 1000 && unit < units.count - 1 { size /= 1000; unit += 1 }
        return .structure("*define.InspectLogConfig", [
            ("Type", .string(driver)), ("Config", .null), ("Path", .string(driver == "k8s-file" ? path : "")),
            ("Tag", .string(r.logTag ?? "")), ("Size", .string(GoFloat.format(size, verb: "g", precision: 4) + units[unit])),
        ])
    }

    /// podman's per-container output: each success as given (or its ID), each
    /// failure an `Error:` line on stderr; the exit code follows the verb's rule.
    static func render(_ reports: [ContainerReport], _ rule: ContainerReportRule) -> Int32 {
        for report in reports {
            if let error = report.error { Output.err("Error: \(error)\n") } else { Output.out(report.input + "\n") }
        }
        return reports.exitCode(rule)
    }
}
