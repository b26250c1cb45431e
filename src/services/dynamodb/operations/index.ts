import type { OperationHandler } from '../context.js';
import { batchGetItem, batchWriteItem } from './batch.js';
import { deleteItem, getItem, putItem, updateItem } from './items.js';
import {
  createTable,
  deleteTable,
  describeTable,
  describeTimeToLive,
  listTables,
  updateTable,
  updateTimeToLive,
} from './tables.js';
import { query } from './query.js';
import { scan } from './scan.js';
import { transactGetItems, transactWriteItems } from './transactions.js';

/** Every operation the service serves, by the name after `DynamoDB_20120810.`. */
export const OPERATIONS: Record<string, OperationHandler> = {
  CreateTable: createTable,
  DescribeTable: describeTable,
  ListTables: listTables,
  UpdateTable: updateTable,
  DeleteTable: deleteTable,
  UpdateTimeToLive: updateTimeToLive,
  DescribeTimeToLive: describeTimeToLive,
  PutItem: putItem,
  GetItem: getItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  Query: query,
  Scan: scan,
  BatchWriteItem: batchWriteItem,
  BatchGetItem: batchGetItem,
  TransactWriteItems: transactWriteItems,
  TransactGetItems: transactGetItems,
};
