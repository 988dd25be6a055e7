// Scale profile, run once (mongosh, connected to the replica set): adds the second and third members to
// the set the first member initiated. A member already in the set is skipped, so a rerun is harmless.
const joined = rs.conf().members.map((member) => member.host);
for (const host of ['mongo2:27017', 'mongo3:27017']) {
  if (!joined.includes(host)) rs.add(host);
}
