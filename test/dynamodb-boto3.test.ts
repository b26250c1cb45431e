import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { isolateAwsEnvironment } from './helpers.js';
import { startDynamoDB, type RunningDynamoDB } from './dynamodb-helpers.js';

const execFileAsync = promisify(execFile);
/** boto3 comes from Debian's python3-boto3, which only Debian's interpreter imports. */
const DEBIAN_PYTHON = '/usr/bin/python3';

async function hasBoto3(): Promise<boolean> {
  try {
    await execFileAsync(DEBIAN_PYTHON, ['-c', 'import boto3']);
    return true;
  } catch {
    return false;
  }
}

/** Uses the Table resource as applications do: Decimal numbers, Key conditions, sets. */
const SCRIPT = `
import json, sys
from decimal import Decimal
import boto3
from boto3.dynamodb.conditions import Attr, Key

resource = boto3.resource("dynamodb", endpoint_url=sys.argv[1])
table = resource.create_table(
    TableName="music",
    KeySchema=[{"AttributeName": "artist", "KeyType": "HASH"},
               {"AttributeName": "year", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": "artist", "AttributeType": "S"},
                          {"AttributeName": "year", "AttributeType": "N"}],
    BillingMode="PAY_PER_REQUEST",
)
table.wait_until_exists()
for year, title in [(1969, "Abbey Road"), (1965, "Help!"), (1967, "Sgt. Pepper"), (1970, "Let It Be")]:
    table.put_item(Item={"artist": "The Beatles", "year": year, "title": title,
                         "rating": Decimal("4.5"), "tags": {"rock", "pop"}})
got = table.get_item(Key={"artist": "The Beatles", "year": 1967})["Item"]
queried = table.query(
    KeyConditionExpression=Key("artist").eq("The Beatles") & Key("year").between(1966, 1969),
    FilterExpression=Attr("title").begins_with("S") | Attr("title").contains("Road"),
    ScanIndexForward=False,
)
print(json.dumps({
    "title": got["title"],
    "rating": str(got["rating"]),
    "tags": sorted(got["tags"]),
    "years": [int(item["year"]) for item in queried["Items"]],
    "scanned": queried["ScannedCount"],
}))
`;

describe('DynamoDB through boto3', async () => {
  const available = await hasBoto3();
  let running: RunningDynamoDB;

  before(async () => {
    running = await startDynamoDB();
  });
  after(() => running.close());

  it(
    'serves the Table resource',
    { skip: !available && 'Debian python3-boto3 is missing' },
    async () => {
      const env = isolateAwsEnvironment({ ...process.env });
      // botocore 1.29 reads the region from AWS_DEFAULT_REGION only.
      env.AWS_DEFAULT_REGION = 'us-east-1';
      const { stdout } = await execFileAsync(DEBIAN_PYTHON, ['-c', SCRIPT, running.endpoint], {
        env,
      });
      const result = JSON.parse(stdout) as Record<string, unknown>;
      assert.equal(result.title, 'Sgt. Pepper');
      assert.equal(result.rating, '4.5');
      assert.deepEqual(result.tags, ['pop', 'rock']);
      assert.deepEqual(result.years, [1969, 1967]);
      assert.equal(result.scanned, 2);
    },
  );
});
