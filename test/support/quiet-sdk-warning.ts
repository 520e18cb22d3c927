// The AWS SDK's Node.js 20 support warning (nine lines, once per test file's module registry) says nothing
// about the code under test; the CLI turns it off the same way (cli/io.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
