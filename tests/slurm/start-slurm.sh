#!/usr/bin/env bash
# start-slurm.sh - take a bare Debian 12 machine (root, no systemd) to a running single-node
# SLURM cluster (munged + slurmctld + slurmd) for tests/test_slurm.py: partitions `cpu` (default)
# and `gpu`, and two fake GPUs (GRES gpu:2 backed by /dev/null and /dev/zero) so that GPU requests
# schedule, two at a time on the 2 cores.
# Idempotent: re-running only does what is missing. Based on ../shared/reference/slurm.
# Env knobs: LAB=/var/tmp/slurm-test  WAIT_S=120
set -euo pipefail
LAB=${LAB:-/var/tmp/slurm-test}
WAIT_S=${WAIT_S:-120}
T0=$(date +%s%N)
log() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '[start-slurm %4d.%03ds] %s\n' $((ms/1000)) $((ms%1000)) "$*"; }
alive() {  # alive <pidfile> <comm>: pid in file is running and is that program
  local pf=$1 comm=$2 pid
  [ -s "$pf" ] || return 1
  pid=$(cat "$pf")
  [ -d "/proc/$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = "$comm" ]
}

# 1. packages --------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
   || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
log "packages present: $(slurmctld -V)"

# 2. config ----------------------------------------------------------------
mkdir -p "$LAB"/{etc,state/ctld,state/d,run,log}
H=$(hostname -s)
getent hosts "$H" >/dev/null || echo "127.0.0.1 $H" >> /etc/hosts
# The node is declared larger than this machine (8 CPUs, 64 GB; config_overrides makes slurmd
# accept that): the workflow's rules ask for what a cluster node has (4 CPUs and 16 GB per fold
# job), and the test runs the project's profile as a user types it, without shrinking them.
CPUs=8 SocketsPerBoard=1 CoresPerSocket=8 ThreadsPerCore=1 RealMemory=65536
cat > "$LAB/etc/slurm.conf.new" <<EOF
# Minimal single-node SLURM config for a container without systemd/cgroups
ClusterName=lab
SlurmctldHost=${H}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=${LAB}/state/ctld
SlurmdSpoolDir=${LAB}/state/d
SlurmctldPidFile=${LAB}/run/slurmctld.pid
SlurmdPidFile=${LAB}/run/slurmd.pid
SlurmctldLogFile=${LAB}/log/slurmctld.log
SlurmdLogFile=${LAB}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MailProg=/bin/true
DefMemPerCPU=1024
GresTypes=gpu
NodeName=${H} Gres=gpu:2 CPUs=${CPUs} Boards=1 SocketsPerBoard=${SocketsPerBoard} CoresPerSocket=${CoresPerSocket} ThreadsPerCore=${ThreadsPerCore} RealMemory=${RealMemory} State=UNKNOWN
PartitionName=cpu Nodes=${H} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=${H} Default=NO MaxTime=INFINITE State=UP
EOF
CONF_CHANGED=0
if ! cmp -s "$LAB/etc/slurm.conf.new" /etc/slurm/slurm.conf; then
  CONF_CHANGED=1
  cp "$LAB/etc/slurm.conf.new" "$LAB/etc/slurm.conf"
  install -D -m 644 "$LAB/etc/slurm.conf" /etc/slurm/slurm.conf   # clients read it here
fi
rm -f "$LAB/etc/slurm.conf.new"
# the fake GPUs: without File= the node goes INVAL; any file works with task/none
GRES_CONF="NodeName=${H} Name=gpu File=/dev/null
NodeName=${H} Name=gpu File=/dev/zero"
if [ "$(cat /etc/slurm/gres.conf 2>/dev/null)" != "$GRES_CONF" ]; then
  echo "$GRES_CONF" > /etc/slurm/gres.conf
  CONF_CHANGED=1
fi
log "config /etc/slurm/slurm.conf (changed=$CONF_CHANGED): node $H CPUs=$CPUs RealMemory=$RealMemory"

# 3. munged ----------------------------------------------------------------
install -d -o munge -g munge -m 755 /run/munge
install -d -o munge -g munge -m 700 /var/log/munge /etc/munge
install -d -o munge -g munge -m 711 /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
    || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
fi
if ! alive /run/munge/munged.pid munged; then
  runuser -u munge -- /usr/sbin/munged        # daemonizes, writes /run/munge/munged.pid
  for _ in $(seq 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  log "munged started pid $(cat /run/munge/munged.pid)"
else
  log "munged already running pid $(cat /run/munge/munged.pid)"
fi

# 4. slurmctld, then slurmd once the controller answers ----------------------
if ! alive "$LAB/run/slurmctld.pid" slurmctld; then
  rm -f "$LAB/run/slurmctld.pid"
  slurmctld                                   # daemon mode, pid file from slurm.conf
  for _ in $(seq 50); do [ -s "$LAB/run/slurmctld.pid" ] && break; sleep 0.1; done
  log "slurmctld started pid $(cat "$LAB/run/slurmctld.pid")"
elif [ $CONF_CHANGED = 1 ]; then
  scontrol reconfigure && log "slurmctld reconfigured"
fi
for _ in $(seq $((WAIT_S*10))); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.1; done
scontrol ping | grep -q 'is UP' || { log "slurmctld not answering; see $LAB/log/slurmctld.log"; exit 1; }
log "slurmctld UP"
if ! alive "$LAB/run/slurmd.pid" slurmd; then
  rm -f "$LAB/run/slurmd.pid"
  slurmd                                      # daemon mode; only after ctld is UP (see notes)
  for _ in $(seq 50); do [ -s "$LAB/run/slurmd.pid" ] && break; sleep 0.1; done
  log "slurmd started pid $(cat "$LAB/run/slurmd.pid")"
else
  log "slurmd already running pid $(cat "$LAB/run/slurmd.pid")"
fi

# 5. wait until the node is usable -----------------------------------------
state=""
for i in $(seq $((WAIT_S*5))); do
  state=$(sinfo -h -n "$H" -o '%T' 2>/dev/null | head -1)
  case "$state" in
    idle|mixed|allocated|completing) break ;;
    down*|drain*|drained*|fail*)
      scontrol update NodeName="$H" State=RESUME 2>/dev/null || true ;;
  esac
  sleep 0.2
done
case "$state" in
  idle|mixed|allocated|completing) ;;
  *) log "node $H not ready (state '$state'); see $LAB/log/"; exit 1 ;;
esac
log "node $H is $state"
sinfo
