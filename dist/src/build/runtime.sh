#!/bin/sh
# runtime.sh JDK OUT JAR [EXTRA_MODULES] [AOT_CACHE MTIME] [DROP_MODULES] [SERVER_JAR]
# The Java runtime a package carries (/usr/lib/vmesh/runtime): jlink from the build's JDK with only the
# modules JAR needs, as jdeps reports them, plus EXTRA_MODULES (comma-separated: modules reached only by
# reflection or service loading, which jdeps cannot see; "-" for none). The runtime gets its own class-data archive of
# the JDK's classes (--generate-cds-archive; only the one for compressed oops, heaps under 32 GB) and libjvm.so
# without its full symbol table (when strip is installed). With AOT_CACHE, also an AOT cache of the application's
# classes (JDK 25: -XX:AOTCacheOutput) from a training run made with the new runtime, which is the only one
# that can use it: with SERVER_JAR (the whole vmesh.jar), a real start of the agent against a server on
# loopback (train-agent.sh: certificate, name table, probe), else (or when that fails) `JAR agent --help`.
# The JVM maps the cache only for a jar of the same size and modification time, wherever it lies: the cache is made for a copy of JAR beside AOT_CACHE whose
# time is MTIME, the time the package gives its files (project.build.outputTimestamp); package that copy. The
# runtime's class-data archive is then left out: the AOT cache replaces it.
# DROP_MODULES (comma-separated) are left out although jdeps names them: modules only code the program never runs
# refers to (the agent: XML for logback's configuration files, java.sql for gson's and protobuf-util's SQL
# dates, JFR for Netty's events, which the code checks for before using).
# Writes OUT/vmesh-modules, the modules it holds.
set -eu
jdk="$1"
out="$2"
jar="$3"
extra="${4:-}"
aot="${5:-}"
mtime="${6:-}"
drop="${7:-}"
server_jar="${8:-}"

release="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jdk/release")"
modules="$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release "$release" "$jar")"
if [ -n "$extra" ] && [ "$extra" != "-" ]; then
  modules="$modules,$extra"
fi
if [ -n "$drop" ]; then
  modules="$(echo "$modules" | tr ',' '\n' | grep -vxF "$(echo "$drop" | tr ',' '\n')" | paste -sd, -)"
fi
rm -rf "$out"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --generate-cds-archive --output "$out"
rm -f "$out/lib/server/classes_nocoops.jsa"
# libjvm.so comes with its full symbol table (about a fifth of its size); the dynamic symbols that stack
# traces and crash logs resolve through stay.
if command -v strip >/dev/null 2>&1; then
  chmod u+w "$out/lib/server/libjvm.so"
  strip --strip-unneeded "$out/lib/server/libjvm.so"
fi
echo "$modules" | tr ',' '\n' | sort -u > "$out/vmesh-modules"
echo "runtime.sh: $out holds $(tr '\n' ' ' < "$out/vmesh-modules")($(du -sh "$out" | cut -f1))"

if [ -n "$aot" ]; then
  rm -f "$aot"
  copy="$(dirname "$aot")/$(basename "$jar")"
  cp "$jar" "$copy"
  touch -d "$mtime" "$copy"
  jar="$copy"
  trained="a real start"
  if [ -z "$server_jar" ] || ! "$(dirname "$0")/train-agent.sh" "$jdk" "$server_jar" "$out" "$jar" "$aot"; then
    trained="\`agent --help\`"
    [ -z "$server_jar" ] || echo "runtime.sh: WARNING: training on a real start failed (above); the AOT cache" \
      "holds only what \`agent --help\` loads, and the agent starts slower" >&2
    rm -f "$aot"
    # The agent's flags from the launcher (bin/vmesh): the cache is made for the collector it runs with.
    "$out/bin/java" -XX:AOTCacheOutput="$aot" -Xlog:aot=off -Xlog:cds=off -XX:+UseSerialGC -Xmx64m \
      --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
      -jar "$jar" agent --help > /dev/null 2>&1
  fi
  echo "runtime.sh: AOT cache $aot ($(du -sh "$aot" | cut -f1)), trained on $trained"
  # The JVM maps the AOT cache, which holds the JDK's classes the agent uses, instead of the runtime's own
  # class-data archive: the package does not need that one.
  rm -f "$out/lib/server/classes.jsa"
fi
