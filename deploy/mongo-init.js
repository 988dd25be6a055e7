// Healthcheck of the first MongoDB member (mongosh, on that member): initiates the replica set rs0 with
// this member alone the first time, then reports healthy once the set has a primary. The scale profile's
// mongo-join adds the other two members (deploy/mongo-join.js).
try {
  rs.status();
} catch (err) {
  if (err.codeName !== 'NotYetInitialized') throw err;
  rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] });
}
quit(db.hello().primary ? 0 : 1);
