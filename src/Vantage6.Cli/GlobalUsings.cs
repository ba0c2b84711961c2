global using Vantage6.Common.Cli;
