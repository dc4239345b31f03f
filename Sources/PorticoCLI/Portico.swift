import ArgumentParser
import Foundation
import PorticoRender
import PorticoVersion

/// The `portico` command.
public struct Portico: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "portico",
        abstract: "A Kubernetes ingress controller: Ingresses and Services in, nginx.conf out.",
        version: PorticoVersion.description,
        subcommands: [RunCommand.self, RenderCommand.self, ExplainCommand.self, CheckCommand.self, DefaultTemplateCommand.self])

    public init() {}

    /// Parses the process's arguments and runs the command. Usage errors exit 2 with a message,
    /// never a stack trace; `--help` exits 0.
    public static func runMain(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let status = exitCode(for: error)
            let message = fullMessage(for: error)
            if status == .success {
                print(message)
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

struct DefaultTemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "default-template",
        abstract: "Print the built-in nginx.conf template, a starting point for --template.")

    func run() throws {
        print(DefaultTemplate.text, terminator: "")
    }
}
