// The machine a compiled seccomp program is for: its architecture and kernel.
import BerthSystem

/// What of this machine a compiled program depends on.
struct SeccompHost: Sendable {
    /// libseccomp/OCI name of the native architecture: "SCMP_ARCH_X86_64".
    var scmpArch: String
    /// Docker's (Go's) name for it, used by includes/excludes "arches": "amd64".
    var dockerArch: String
    /// `uname -r`.
    var kernelRelease: String

    var kernelVersion: SeccompProfile.KernelVersion? { .init(parsing: kernelRelease) }

    static let current: SeccompHost = {
        #if arch(x86_64)
            let arch = ("SCMP_ARCH_X86_64", "amd64")
        #elseif arch(arm64)
            let arch = ("SCMP_ARCH_AARCH64", "arm64")
        #elseif arch(arm)
            let arch = ("SCMP_ARCH_ARM", "arm")
        #elseif arch(i386)
            let arch = ("SCMP_ARCH_X86", "386")
        #elseif arch(powerpc64le)
            let arch = ("SCMP_ARCH_PPC64LE", "ppc64le")
        #elseif arch(s390x)
            let arch = ("SCMP_ARCH_S390X", "s390x")
        #elseif arch(riscv64)
            let arch = ("SCMP_ARCH_RISCV64", "riscv64")
        #else
            #error("unsupported architecture for seccomp")
        #endif
        let release = HostKernel.release
        return SeccompHost(scmpArch: arch.0, dockerArch: arch.1, kernelRelease: release.isEmpty ? "unknown" : release)
    }()
}
