// RUN --mount in BuildKit's grammar: the defaults each type has, the aliases,
// and a clear refusal for what berth does not do (ssh) or what is malformed.
import BerthBuild
@testable import BerthEngine
import Testing

@Suite struct RunMountSpecTests {
    private func refusal(_ text: String) -> String {
        do {
            _ = try RunMountSpec.parse(text)
            Issue.record("\(text) was accepted")
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func each_type_has_buildkits_defaults() throws {
        let bind = try RunMountSpec.parse("target=/src")
        #expect(bind.kind == .bind && bind.readOnly && bind.target == "/src")
        let cache = try RunMountSpec.parse("type=cache,target=/root/.cache,sharing=locked,uid=10,gid=20,mode=0700")
        #expect(cache.kind == .cache && !cache.readOnly && cache.sharing == .locked)
        #expect(cache.uid == 10 && cache.gid == 20 && cache.mode == 0o700)
        let tmpfs = try RunMountSpec.parse("type=tmpfs,dst=/scratch,size=64m")
        #expect(tmpfs.kind == .tmpfs && tmpfs.size == 64 << 20 && tmpfs.target == "/scratch")
        let secret = try RunMountSpec.parse("type=secret,id=token")
        #expect(secret.target == "/run/secrets/token" && secret.readOnly && secret.mode == 0o400 && secret.secretID == "token")
        let byTarget = try RunMountSpec.parse("type=secret,target=/etc/api.key,required=true")
        #expect(byTarget.secretID == "api.key" && byTarget.required)
        let asEnv = try RunMountSpec.parse("type=secret,id=token,env=TOKEN")
        #expect(asEnv.env == "TOKEN" && asEnv.target == "")
    }

    @Test func aliases_and_flags_read_as_buildkit_reads_them() throws {
        let a = try RunMountSpec.parse("type=bind,source=sub,destination=/mnt,rw")
        let b = try RunMountSpec.parse("type=bind,src=sub,dst=/mnt,readwrite=true")
        let c = try RunMountSpec.parse("type=bind,src=sub,target=/mnt,ro=false")
        #expect(a == b && b == c && !a.readOnly && a.source == "sub")
        #expect(try RunMountSpec.parse("type=cache,target=/c,readonly").readOnly)
        #expect(try RunMountSpec.parse("target=rel").resolvedTarget(workingDirectory: "/app") == "/app/rel")
    }

    @Test func the_cache_key_follows_the_options_never_a_secrets_value() throws {
        let one = try RunMountSpec.parse("type=cache,target=/c,id=x")
        let two = try RunMountSpec.parse("type=cache,target=/c,id=y")
        #expect(one.cacheKey != two.cacheKey)
        #expect(try RunMountSpec.parse("type=cache,id=x,target=/c").cacheKey == one.cacheKey, "order does not matter")
    }

    @Test func malformed_or_unsupported_mounts_are_refused_clearly() {
        #expect(refusal("type=ssh,target=/s").contains("type=ssh is not supported"))
        #expect(refusal("type=volume,target=/v").contains("unknown type \"volume\""))
        #expect(refusal("type=cache").contains("target is required"))
        #expect(refusal("type=cache,target=/c,sharing=sometimes").contains("sharing must be"))
        #expect(refusal("type=tmpfs,target=/t,size=lots").contains("size needs a size"))
        #expect(refusal("type=bind,target=/t,size=1m").contains("size is not an option of type=bind"))
        #expect(refusal("type=cache,target=/c,colour=blue").contains("unknown option \"colour\""))
        #expect(refusal("type=cache,target=/a/../b").contains("must not contain \"..\""))
        #expect(refusal("type=secret").contains("a secret needs id= or target="))
        #expect(refusal("type=cache,target=/c,mode=999").contains("mode needs a number"))
    }

    @Test func heredocs_become_the_script_or_are_fed_by_the_shell() throws {
        var mounts: [VolumeMount] = []
        var request = BuildRunRequest(image: "x", arguments: ["/bin/sh", "-c", "<<EOF"], environment: [])
        request.heredocs = [Heredoc(name: "EOF", content: "echo one\necho two\n", expands: true)]
        #expect(try BuildHeredocScript.arguments(request, scratch: "/nonexistent", mounts: &mounts) == ["/bin/sh", "-c", "echo one\necho two\n"])
        request.arguments = ["/bin/sh", "-c", "cat <<EOF >/out 3<<'END'"]
        request.heredocs = [Heredoc(name: "EOF", content: "a\n", expands: true),
                            Heredoc(name: "END", content: "b\n", expands: false, fileDescriptor: 3)]
        #expect(try BuildHeredocScript.arguments(request, scratch: "/nonexistent", mounts: &mounts)
                == ["/bin/sh", "-c", "cat <<EOF >/out 3<<'END'\na\nEOF\nb\nEND\n"])
        #expect(mounts.isEmpty)
    }
}
