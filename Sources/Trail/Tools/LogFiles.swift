import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files a search reads, from the paths a user named: files as they are, directories walked
/// recursively.
///
/// In a directory every regular file is read except hidden ones (names starting with `.`, such as
/// `.build` or `.git`) and `*.gz.tmp` (a `FileSink` compression in progress); symbolic links inside
/// directories are not followed (no loops), while a path named on the command line is. Files come
/// out sorted by path, so rotated files (`app-2026-11-22T10-00-00.000.log.gz`) come in time order.
package enum LogFiles {
    package struct File: Sendable, Hashable {
        package var path: String
        /// The size on disk when listed (compressed size for gzip).
        package var size: Int
    }

    /// Directories deeper than this below a named path are not entered.
    static let maxDepth = 32
    /// At most this many files are listed per named path.
    static let maxFiles = 1_000_000

    /// The files under `paths`, and a ``ReadFailure`` for each path that does not exist or cannot be
    /// listed.
    package static func expand(_ paths: [String]) -> (files: [File], problems: [ReadFailure]) {
        var files: [File] = []
        var problems: [ReadFailure] = []
        var seen = Set<String>()
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                problems.append(ReadFailure("\(path): \(String(cString: strerror(errno)))"))
                continue
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                var found: [File] = []
                walk(path, depth: 0, into: &found, problems: &problems)
                for file in found.sorted(by: { $0.path < $1.path }) where seen.insert(file.path).inserted { files.append(file) }
            } else if seen.insert(path).inserted {
                files.append(File(path: path, size: Int(info.st_size)))
            }
        }
        return (files, problems)
    }

    private static func walk(_ directory: String, depth: Int, into files: inout [File], problems: inout [ReadFailure]) {
        guard depth <= maxDepth, files.count < maxFiles else { return }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            problems.append(ReadFailure("\(directory): cannot list the directory (check its permissions)"))
            return
        }
        for name in names.sorted() where !name.hasPrefix(".") && !name.hasSuffix(".gz" + Gzip.temporarySuffix) {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: walk(path, depth: depth + 1, into: &files, problems: &problems)
            case S_IFREG: if files.count < maxFiles { files.append(File(path: path, size: Int(info.st_size))) }
            default: break  // links, sockets, fifos
            }
        }
    }
}
