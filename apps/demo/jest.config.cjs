module.exports = require('@sluice/jest-config')(__dirname);
