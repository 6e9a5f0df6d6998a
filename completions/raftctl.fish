# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_raftctl_global_optspecs
    string join \n o/output= h/help V/version
end

function __fish_raftctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_raftctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_raftctl_using_subcommand
    set -l cmd (__fish_raftctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c raftctl -n "__fish_raftctl_needs_command" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_needs_command" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "wal" -d 'Read, check and repair etcd-format write-ahead logs'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "snap" -d 'Read and check etcd-format .snap files'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "man" -d 'Print the man page, or write one page per command into a directory'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and not __fish_seen_subcommand_from dump verify repair diff help" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and not __fish_seen_subcommand_from dump verify repair diff help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and not __fish_seen_subcommand_from dump verify repair diff help" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and not __fish_seen_subcommand_from dump verify repair diff help" -f -a "dump" -d 'Print the log\'s entries (and with --raw every physical record)'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and not __fish_seen_subcommand_from dump verify repair diff help" -f -a "verify" -d 'Check every invariant of the WAL and its .snap files'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and not __fish_seen_subcommand_from dump verify repair diff help" -f -a "repair" -d 'Cut a torn tail exactly where etcd would, keeping the removed bytes beside it'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and not __fish_seen_subcommand_from dump verify repair diff help" -f -a "diff" -d 'Compare two members\' logs: where they diverge, or that one is a prefix of the other'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and not __fish_seen_subcommand_from dump verify repair diff help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -l from-index -d 'Show entries from this index on' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -l to-index -d 'Show entries up to this index' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -l type -d 'Show only these kinds of record (comma-separated or repeated)' -r -f -a "EntryNormal\t'Normal entries'
EntryConfChange\t'Single conf changes'
EntryConfChangeV2\t'ConfChangeV2 entries (joint consensus)'
snapshot\t'Snapshot records'
hard_state\t'HardState records'
metadata\t'Metadata records'
crc\t'CRC records (with --raw)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -l decode -d 'How to decode normal entries\' data' -r -f -a "auto\t'raftctl\'s commands when marked as such, else etcd\'s v3/v2 requests'
raftctl\t'raftctl\'s own commands only'
etcd\t'etcd\'s InternalRaftRequest (v3) and Request (v2) only'
hex\t'The data as hex'
none\t'No decoding'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -l raw -d 'Every physical record with its file, offset and crc; overwritten entries are kept and marked, and reading goes on past a bad record where it can'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -l from-snap -d 'Start after the newest readable .snap (as etcd-dump-logs does)'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from verify" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from repair" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from repair" -l dry-run -d 'Say what would be cut, and change nothing'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from repair" -l force -d 'Also cut when records after the torn one still check out (etcd would cut them)'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from repair" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from repair" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from diff" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from diff" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from help" -f -a "dump" -d 'Print the log\'s entries (and with --raw every physical record)'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check every invariant of the WAL and its .snap files'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from help" -f -a "repair" -d 'Cut a torn tail exactly where etcd would, keeping the removed bytes beside it'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from help" -f -a "diff" -d 'Compare two members\' logs: where they diverge, or that one is a prefix of the other'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -f -a "dump" -d 'Show .snap files: term, index, membership, CRC and the data (etcd\'s v2 store as keys)'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -f -a "verify" -d 'Check .snap files: CRC, the name against the content, the payload'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from dump" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from dump" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from verify" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from help" -f -a "dump" -d 'Show .snap files: term, index, membership, CRC and the data (etcd\'s v2 store as keys)'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check .snap files: CRC, the name against the content, the payload'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand completions" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand man" -l dir -d 'Write raftctl.1 and raftctl-<command>.1 here instead of printing raftctl.1' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand man" -s o -s w -l output -l write-out -d 'Output format: aligned tables for people, JSON for scripts' -r -f -a "table\t'Aligned tables for people'
json\t'JSON for scripts (JSON Lines for streams)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand man" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from wal snap completions man help" -f -a "wal" -d 'Read, check and repair etcd-format write-ahead logs'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from wal snap completions man help" -f -a "snap" -d 'Read and check etcd-format .snap files'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from wal snap completions man help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from wal snap completions man help" -f -a "man" -d 'Print the man page, or write one page per command into a directory'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from wal snap completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from wal" -f -a "dump" -d 'Print the log\'s entries (and with --raw every physical record)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from wal" -f -a "verify" -d 'Check every invariant of the WAL and its .snap files'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from wal" -f -a "repair" -d 'Cut a torn tail exactly where etcd would, keeping the removed bytes beside it'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from wal" -f -a "diff" -d 'Compare two members\' logs: where they diverge, or that one is a prefix of the other'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from snap" -f -a "dump" -d 'Show .snap files: term, index, membership, CRC and the data (etcd\'s v2 store as keys)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from snap" -f -a "verify" -d 'Check .snap files: CRC, the name against the content, the payload'
