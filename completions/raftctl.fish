# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_raftctl_global_optspecs
    string join \n o/output= endpoints= etcd= cluster-dir= dial-timeout= command-timeout= cacert= cert= key= h/help V/version
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

complete -c raftctl -n "__fish_raftctl_needs_command" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_needs_command" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_needs_command" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_needs_command" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_needs_command" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_needs_command" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_needs_command" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_needs_command" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_needs_command" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_needs_command" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "cluster" -d 'Start, stop and inspect a local cluster'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "member" -d 'Membership: list, add, remove, promote, joint changes'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "leader" -d 'Leadership'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "move-leader" -d 'Move leadership to member ID and wait until it happened (etcdctl\'s spelling of `leader transfer --to ID`)'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "endpoint" -d 'etcdctl\'s per-endpoint checks: `endpoint status` and `endpoint health`, for monitoring'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "node" -d 'Run one cluster member in the foreground (what `cluster up` starts)'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "status" -d 'Show every node\'s role, term, commit and applied index, and the leader\'s progress'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "top" -d 'Live dashboard: each node\'s term, commit and lag, the leader\'s per-peer progress, the commit rate and an event log. Prints one snapshot with --once or when stdout is not a terminal'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "put" -d 'Write a key (the value from the argument, or from stdin when it is absent or `-`)'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "get" -d 'Print a key\'s raw value (exit 1 when it does not exist), or with --prefix/--from-key the keys and values of a range, as etcdctl prints them'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "del" -d 'Delete a key, or with --prefix/--from-key a range of keys'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "bench" -d 'Load the cluster: concurrent puts (and gets), throughput and latency percentiles'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "chaos" -d 'Prove a cluster linearizable and lossless under faults: a workload against a local cluster it boots (or --endpoints of one started with --allow-faults) while it kills, pauses, partitions, drops, delays, moves the leader and changes membership on a seeded schedule; then it heals everything and checks the history, the WALs and the members\' contents. Exit 1 when anything is wrong'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "wal" -d 'Read, check and repair etcd-format write-ahead logs'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "snap" -d 'Read and check etcd-format .snap files'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "doctor" -d 'Read the data dirs of one cluster\'s members together (etcd\'s or raftctl\'s; nothing is written): per member its ids, HardState, last index and term, the snapshot it starts from, its membership, WAL and .snap health and etcd\'s backend index; across members different cluster ids, two copies of one member, a log that ends before what the others committed, committed entries that differ, members the others removed. Names the member with the newest log and, for each finding, the command that fixes it. Exit 1 when a finding is an error'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "recover" -d 'Make one surviving member a cluster of its own after the others are lost for good: etcd\'s --force-new-cluster done offline on its data dir (a copy of the member dir is made first), with --dry-run to read the plan before anything changes'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "man" -d 'Print the man page, or write one page per command into a directory'
complete -c raftctl -n "__fish_raftctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -f -a "up" -d 'Start a local cluster: N members on 127.0.0.1, wait for a leader and a first write'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -f -a "down" -d 'Stop every member (SIGTERM, SIGKILL after a grace period)'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -f -a "status" -d 'Same as `raftctl status`'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -f -a "stop" -d 'Stop one member (SIGTERM, then SIGKILL after 10 s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -f -a "start" -d 'Start one stopped member again, with its data dir and ports'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -f -a "restart" -d 'Stop, then start one member'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -f -a "kill" -d 'SIGKILL one member at once'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and not __fish_seen_subcommand_from up down status stop start restart kill help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from up" -l nodes -d 'How many members, 1 to 15 [default: 3]' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from up" -l base-port -d 'Use ports P, P+1, … (peer and API of member 1, then member 2, …) instead of free ones' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from up" -l snapshot-count -d 'Snapshot every this many applied entries (passed to each member)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from up" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from up" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from up" -l foreground -d 'Keep the members attached: Ctrl-C stops them all'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from up" -l allow-faults -d 'Let the members accept fault injection through their API'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from up" -l tls -d 'TLS on every port: make a CA and certificates in DIR/tls (one per member, one for the CLI), start the members with mutual TLS between peers and HTTPS with client certificates on the API; raftctl\'s commands then use them from the cluster dir'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from up" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from down" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from down" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from down" -l purge -d 'Also delete the cluster dir (data, logs, manifest)'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from down" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from stop" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from stop" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from start" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from start" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from restart" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from restart" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from restart" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from kill" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from kill" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from kill" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "up" -d 'Start a local cluster: N members on 127.0.0.1, wait for a leader and a first write'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "down" -d 'Stop every member (SIGTERM, SIGKILL after a grace period)'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "status" -d 'Same as `raftctl status`'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop one member (SIGTERM, then SIGKILL after 10 s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start one stopped member again, with its data dir and ports'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "restart" -d 'Stop, then start one member'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "kill" -d 'SIGKILL one member at once'
complete -c raftctl -n "__fish_raftctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and not __fish_seen_subcommand_from list add remove promote change help" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and not __fish_seen_subcommand_from list add remove promote change help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and not __fish_seen_subcommand_from list add remove promote change help" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and not __fish_seen_subcommand_from list add remove promote change help" -f -a "list" -d 'List the members and their roles'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and not __fish_seen_subcommand_from list add remove promote change help" -f -a "add" -d 'Add a member; on a local cluster also start it and wait until it has caught up'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and not __fish_seen_subcommand_from list add remove promote change help" -f -a "remove" -d 'Remove a member (the leader hands over leadership first); a local one is also stopped'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and not __fish_seen_subcommand_from list add remove promote change help" -f -a "promote" -d 'Promote a caught-up learner to voter'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and not __fish_seen_subcommand_from list add remove promote change help" -f -a "change" -d 'Several changes at once, through joint consensus'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and not __fish_seen_subcommand_from list add remove promote change help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l id -d 'The new member\'s id (default: the next free one)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l peer -d 'Its peer address (required with --endpoints; allocated on a local cluster)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l api -d 'Its API address (required with --endpoints; allocated on a local cluster)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -l learner -d 'Add it as a learner (it replicates but does not vote)'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from promote" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -l add -d 'Add a member: ID, or ID:learner' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -l remove -d 'Remove a member' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from change" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the members and their roles'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a member; on a local cluster also start it and wait until it has caught up'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a member (the leader hands over leadership first); a local one is also stopped'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "promote" -d 'Promote a caught-up learner to voter'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "change" -d 'Several changes at once, through joint consensus'
complete -c raftctl -n "__fish_raftctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and not __fish_seen_subcommand_from transfer help" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and not __fish_seen_subcommand_from transfer help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and not __fish_seen_subcommand_from transfer help" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and not __fish_seen_subcommand_from transfer help" -f -a "transfer" -d 'Move leadership (default: to the most caught-up follower) and wait until it happened'
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and not __fish_seen_subcommand_from transfer help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -l to -d 'The voter to hand leadership to (default: the most caught-up follower; with --etcd: etcd\'s id, in hex)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from transfer" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from help" -f -a "transfer" -d 'Move leadership (default: to the most caught-up follower) and wait until it happened'
complete -c raftctl -n "__fish_raftctl_using_subcommand leader; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand move-leader" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and not __fish_seen_subcommand_from status health help" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and not __fish_seen_subcommand_from status health help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and not __fish_seen_subcommand_from status health help" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and not __fish_seen_subcommand_from status health help" -f -a "status" -d 'Each endpoint\'s role, term, leader and indexes (the table of `raftctl status`)'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and not __fish_seen_subcommand_from status health help" -f -a "health" -d 'One line per endpoint: healthy when it answers and knows a leader. Exits 1 when any endpoint is unhealthy'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and not __fish_seen_subcommand_from status health help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -l cluster -d 'Every member the cluster knows, not just the endpoints given'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -l cluster -d 'Every member the cluster knows, not just the endpoints given'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from health" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from help" -f -a "status" -d 'Each endpoint\'s role, term, leader and indexes (the table of `raftctl status`)'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from help" -f -a "health" -d 'One line per endpoint: healthy when it answers and knows a leader. Exits 1 when any endpoint is unhealthy'
complete -c raftctl -n "__fish_raftctl_using_subcommand endpoint; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l id -d 'This member\'s id (a positive integer, unique in the cluster)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l data-dir -d 'Where the WAL and snapshots live (etcd\'s layout: DIR/member/wal, DIR/member/snap)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l listen-peer -d 'Address to listen on for peers (not etcd\'s 2380, so that it does not collide with a local etcd). Without TLS the peer port trusts whoever reaches it: keep it on loopback or a private network (README, "What an open port allows")' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l listen-api -d 'Address to serve the HTTP+JSON API on (not etcd\'s 2379)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l initial-cluster -d 'The cluster\'s members, `ID=HOST:PORT,…` (peer addresses); used only to bootstrap a fresh data dir, or to find the cluster with --join' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l cluster-id -d 'The cluster id to join (hex, as `raftctl status` shows it); needed with --join' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l snapshot-count -d 'Write a snapshot every this many applied entries (etcd 3.4\'s default: 100,000)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l election-tick -d 'Ticks without a leader before an election' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l heartbeat-tick -d 'Ticks between the leader\'s heartbeats' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l tick-ms -d 'Length of a tick in milliseconds' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l log-level -d 'Log level: error, warn, info, debug, trace (or a RUST_LOG-style filter)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l max-request-bytes -d 'The largest value a client may write, in bytes (etcd\'s flag and default, 1.5 MiB; at most 15 MiB, as a write travels to peers in one frame of at most 16 MiB)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l catch-up-entries -d 'Entries kept in memory behind a snapshot for slow followers (etcd\'s 5000)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l peer-cert -d 'This member\'s peer certificate (PEM; etcd\'s --peer-cert-file). With --peer-key and --peer-ca the peer port speaks mutual TLS: peers must present a certificate signed by the CA, and are refused before any Raft message is read' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l peer-key -d 'The key of --peer-cert (PEM; etcd\'s --peer-key-file)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l peer-ca -d 'The CA that signs every member\'s peer certificate (PEM; etcd\'s --peer-trusted-ca-file)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l api-cert -d 'The API\'s certificate (PEM; etcd\'s --cert-file). With --api-key the API speaks HTTPS only; a plain-text client is told so' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l api-key -d 'The key of --api-cert (PEM; etcd\'s --key-file)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l api-ca -d 'Clients must present a certificate signed by this CA (PEM; etcd\'s --trusted-ca-file with --client-cert-auth)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l segment-size -d 'WAL segment size in bytes (etcd\'s is 64,000,000; tests use less)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l join -d 'Join an existing cluster (after `member add`) instead of starting a new one'
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l learner -d 'This member joins as a learner (informational: `member add --learner` decides)'
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -l allow-faults -d 'Accept fault injection (drop, delay, partition) through the API'
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand node" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand status" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -l interval -d 'How often to poll the nodes (at least 10ms)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -l once -d 'Print one snapshot (as `status` does) and exit'
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand top" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand put" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l limit -d 'At most this many keys of a range (0: all)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l serializable -d 'Answer from the node\'s local state instead of a linearizable read'
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l prefix -d 'Every key that starts with KEY, in key order'
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l from-key -d 'Every key from KEY on, in key order'
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l keys-only -d 'Print the keys only'
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -l print-value-only -d 'Print the values only (one key: its raw value, as without a range flag)'
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand get" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -l prefix -d 'Delete every key that starts with KEY'
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -l from-key -d 'Delete every key from KEY on'
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand del" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l clients -d 'Concurrent clients' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l count -d 'Stop after this many requests (default 10000, unless --duration is given)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l duration -d 'Stop after this long (e.g. 10s, 500ms, 2m)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l value-size -d 'Value size in bytes' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l keys -d 'Distinct keys written and read' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l read-ratio -d 'Share of requests that are reads, 0..1' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l pipeline -d 'Puts per request (`POST /kv/batch`), each still an entry of its own: what Raft does apart from HTTP\'s cost per request. Writes only' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -l serializable -d 'Reads answered from the node\'s local state instead of linearizable ones'
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand bench" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l nodes -d 'Members of the cluster it boots (ignored with --endpoints)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l duration -d 'How long the workload and the faults run (e.g. 20s, 3m), before healing and checking' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l clients -d 'Concurrent clients' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l keys -d 'Keys the clients share (chaos/k00, chaos/k01, …)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l faults -d 'The faults to inject, comma-separated: kill, pause, partition, loss, delay, transfer, membership, crash-point, blackhole, joint, or all (none for a run without faults)' -r -f -a "kill\t'SIGKILL a member (a random one or the leader), then start it again'
pause\t'SIGSTOP a member (a random one or the leader), then SIGCONT it'
partition\t'Cut members off through the fault API: the leader alone, a minority from the majority, or one member one way (it hears the others, they do not hear it)'
loss\t'Drop a share of every member\'s outgoing messages'
delay\t'Delay one member\'s (or every member\'s) outgoing messages'
transfer\t'Move leadership to another voter'
membership\t'Add a learner (a new process), promote it, then remove a voter and stop it'
crash-point\t'Arm a persistence point (a failpoint: before or after the WAL save, the snapshot save or a snapshot\'s apply, after WAL segments are released, before the leader sends) on a member, wait for it to die there, then start it again'
blackhole\t'Cut a follower off until the leader has compacted past its log, then let it through and wait for it to install the leader\'s snapshot'
joint\t'Replace a voter in one joint change: a learner added (a new process) and caught up, then promoted as the voter is removed (one ConfChangeV2); the removed one stopped'
all\t'Every kind above'
none\t'No faults: the workload and the checks only'"
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l seed -d 'The seed of the fault schedule (random when absent; the report names it): the same seed, duration and faults give the same schedule of kinds, targets and times' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l report -d 'Write report.json, history.json and timeline.html here; when the run fails, also keep the members\' data dirs and logs (in DIR/cluster)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l min-rate -d 'The least successful operations per second a run must reach (an idle cluster proves nothing)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l endpoints -d 'The members\' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in the local cluster\'s cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor RAFTCTL_ENDPOINTS is set' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l cluster-dir -d 'The local cluster\'s directory (cluster.json, the members\' data dirs and logs)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l dial-timeout -d 'How long to wait for a member to accept a connection and answer a status request' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l command-timeout -d 'How long to wait for a command\'s own request (a write, a read, a conf change)' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l cacert -d 'Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl\'s --cacert): HOST:PORT endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is reached with the certificates in its cluster dir' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l cert -d 'The client certificate to present (PEM; etcdctl\'s --cert), with --key and --cacert' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l key -d 'The key of --cert (PEM; etcdctl\'s --key)' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l etcd -d 'A live etcd (3.4+) cluster instead of raftctl members: its client addresses, HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS). `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak etcd\'s gRPC API; ids are etcd\'s, in hex. A bare --etcd takes the URLs from ETCDCTL_ENDPOINTS. Not together with --endpoints' -r
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l plan -d 'Print the fault schedule the seed gives and exit, without running anything'
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l netns -d 'Root only: run each member in a network namespace of its own, on a bridge of this run\'s, and make partitions and loss with nftables rules in the members\' namespaces (delay with netem where the kernel has it); everything it makes is removed at the end. Not with --endpoints (a usage error)'
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l tls -d 'Boot the cluster with TLS on every port, as `cluster up --tls` does (mutual TLS between peers, HTTPS with client certificates on the API): the workload and every fault talk TLS. Not with --endpoints (give --cacert/--cert/--key for a TLS cluster of your own)'
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -l plant-stale-read -d 'Test only: add one stale read to the history before checking it, to show that the check can fail'
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand chaos" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and not __fish_seen_subcommand_from dump verify repair diff help" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
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
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -l raw -d 'Every physical record with its file, offset and crc; overwritten entries are kept and marked, and reading goes on past a bad record where it can'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -l from-snap -d 'Start after the newest readable .snap (as etcd-dump-logs does)'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from dump" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from verify" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from repair" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from repair" -l dry-run -d 'Say what would be cut, and change nothing'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from repair" -l force -d 'Also cut when records after the torn one still check out (etcd would cut them)'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from repair" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from repair" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from diff" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from diff" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from help" -f -a "dump" -d 'Print the log\'s entries (and with --raw every physical record)'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check every invariant of the WAL and its .snap files'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from help" -f -a "repair" -d 'Cut a torn tail exactly where etcd would, keeping the removed bytes beside it'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from help" -f -a "diff" -d 'Compare two members\' logs: where they diverge, or that one is a prefix of the other'
complete -c raftctl -n "__fish_raftctl_using_subcommand wal; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -f -a "dump" -d 'Show .snap files: term, index, membership, CRC and the data (etcd\'s v2 store as keys)'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -f -a "verify" -d 'Check .snap files: CRC, the name against the content, the payload'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and not __fish_seen_subcommand_from dump verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from dump" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from dump" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from verify" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from help" -f -a "dump" -d 'Show .snap files: term, index, membership, CRC and the data (etcd\'s v2 store as keys)'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check .snap files: CRC, the name against the content, the payload'
complete -c raftctl -n "__fish_raftctl_using_subcommand snap; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand doctor" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and not __fish_seen_subcommand_from force-new-cluster help" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and not __fish_seen_subcommand_from force-new-cluster help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and not __fish_seen_subcommand_from force-new-cluster help" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and not __fish_seen_subcommand_from force-new-cluster help" -f -a "force-new-cluster" -d 'Make this member a one-member cluster, as etcd\'s --force-new-cluster does at start'
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and not __fish_seen_subcommand_from force-new-cluster help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and __fish_seen_subcommand_from force-new-cluster" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and __fish_seen_subcommand_from force-new-cluster" -l dry-run -d 'Print the plan (entries dropped, members removed, the new commit) and change nothing'
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and __fish_seen_subcommand_from force-new-cluster" -l keep-uncommitted -d 'Keep the entries after the commit index and commit them too, as this member would once elected, instead of dropping them as etcd does: etcd does not sync a HardState that only moves the commit, so after a crash the last acknowledged writes can sit after the commit the WAL records (the plan lists them)'
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and __fish_seen_subcommand_from force-new-cluster" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and __fish_seen_subcommand_from force-new-cluster" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and __fish_seen_subcommand_from help" -f -a "force-new-cluster" -d 'Make this member a one-member cluster, as etcd\'s --force-new-cluster does at start'
complete -c raftctl -n "__fish_raftctl_using_subcommand recover; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand completions" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand man" -l dir -d 'Write raftctl.1 and raftctl-<command>.1 here instead of printing raftctl.1' -r -F
complete -c raftctl -n "__fish_raftctl_using_subcommand man" -s o -s w -l output -l write-out -d 'Output format: tables for people, JSON for scripts, or etcdctl\'s fields lines' -r -f -a "table\t'Aligned tables for people, without borders (etcdctl\'s `simple` is the same)'
json\t'JSON for scripts (JSON Lines for streams)'
fields\t'One `"name" : value` line per JSON field, as etcdctl\'s -w fields (see README)'"
complete -c raftctl -n "__fish_raftctl_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c raftctl -n "__fish_raftctl_using_subcommand man" -s V -l version -d 'Print version'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "cluster" -d 'Start, stop and inspect a local cluster'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "member" -d 'Membership: list, add, remove, promote, joint changes'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "leader" -d 'Leadership'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "move-leader" -d 'Move leadership to member ID and wait until it happened (etcdctl\'s spelling of `leader transfer --to ID`)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "endpoint" -d 'etcdctl\'s per-endpoint checks: `endpoint status` and `endpoint health`, for monitoring'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "node" -d 'Run one cluster member in the foreground (what `cluster up` starts)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "status" -d 'Show every node\'s role, term, commit and applied index, and the leader\'s progress'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "top" -d 'Live dashboard: each node\'s term, commit and lag, the leader\'s per-peer progress, the commit rate and an event log. Prints one snapshot with --once or when stdout is not a terminal'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "put" -d 'Write a key (the value from the argument, or from stdin when it is absent or `-`)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "get" -d 'Print a key\'s raw value (exit 1 when it does not exist), or with --prefix/--from-key the keys and values of a range, as etcdctl prints them'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "del" -d 'Delete a key, or with --prefix/--from-key a range of keys'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "bench" -d 'Load the cluster: concurrent puts (and gets), throughput and latency percentiles'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "chaos" -d 'Prove a cluster linearizable and lossless under faults: a workload against a local cluster it boots (or --endpoints of one started with --allow-faults) while it kills, pauses, partitions, drops, delays, moves the leader and changes membership on a seeded schedule; then it heals everything and checks the history, the WALs and the members\' contents. Exit 1 when anything is wrong'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "wal" -d 'Read, check and repair etcd-format write-ahead logs'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "snap" -d 'Read and check etcd-format .snap files'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "doctor" -d 'Read the data dirs of one cluster\'s members together (etcd\'s or raftctl\'s; nothing is written): per member its ids, HardState, last index and term, the snapshot it starts from, its membership, WAL and .snap health and etcd\'s backend index; across members different cluster ids, two copies of one member, a log that ends before what the others committed, committed entries that differ, members the others removed. Names the member with the newest log and, for each finding, the command that fixes it. Exit 1 when a finding is an error'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "recover" -d 'Make one surviving member a cluster of its own after the others are lost for good: etcd\'s --force-new-cluster done offline on its data dir (a copy of the member dir is made first), with --dry-run to read the plan before anything changes'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "man" -d 'Print the man page, or write one page per command into a directory'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and not __fish_seen_subcommand_from cluster member leader move-leader endpoint node status top put get del bench chaos wal snap doctor recover completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "up" -d 'Start a local cluster: N members on 127.0.0.1, wait for a leader and a first write'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "down" -d 'Stop every member (SIGTERM, SIGKILL after a grace period)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "status" -d 'Same as `raftctl status`'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "stop" -d 'Stop one member (SIGTERM, then SIGKILL after 10 s)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "start" -d 'Start one stopped member again, with its data dir and ports'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "restart" -d 'Stop, then start one member'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "kill" -d 'SIGKILL one member at once'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "list" -d 'List the members and their roles'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "add" -d 'Add a member; on a local cluster also start it and wait until it has caught up'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "remove" -d 'Remove a member (the leader hands over leadership first); a local one is also stopped'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "promote" -d 'Promote a caught-up learner to voter'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "change" -d 'Several changes at once, through joint consensus'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from leader" -f -a "transfer" -d 'Move leadership (default: to the most caught-up follower) and wait until it happened'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from endpoint" -f -a "status" -d 'Each endpoint\'s role, term, leader and indexes (the table of `raftctl status`)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from endpoint" -f -a "health" -d 'One line per endpoint: healthy when it answers and knows a leader. Exits 1 when any endpoint is unhealthy'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from wal" -f -a "dump" -d 'Print the log\'s entries (and with --raw every physical record)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from wal" -f -a "verify" -d 'Check every invariant of the WAL and its .snap files'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from wal" -f -a "repair" -d 'Cut a torn tail exactly where etcd would, keeping the removed bytes beside it'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from wal" -f -a "diff" -d 'Compare two members\' logs: where they diverge, or that one is a prefix of the other'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from snap" -f -a "dump" -d 'Show .snap files: term, index, membership, CRC and the data (etcd\'s v2 store as keys)'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from snap" -f -a "verify" -d 'Check .snap files: CRC, the name against the content, the payload'
complete -c raftctl -n "__fish_raftctl_using_subcommand help; and __fish_seen_subcommand_from recover" -f -a "force-new-cluster" -d 'Make this member a one-member cluster, as etcd\'s --force-new-cluster does at start'
