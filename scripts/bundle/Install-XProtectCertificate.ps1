#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
  Installs one XProtect server's certificate from its bundle (npm run bundle) and switches encryption on.

.DESCRIPTION
  Reads the server's manifest (<server>.json, scripts/bundle/manifest.schema.json) and the PFX beside it, then:
    1. trusts every root CA of the manifest in LocalMachine\Root, marked with its site (the manifest's stack) in
       the friendly name "xprotect-certs site root [<stack>]: <CN>" (a root two sites share: "[<stack>, <stack>]").
       The client kit's -RemoveRetired retires only roots marked with its own site;
    2. adds the server certificate, with its key not exportable, to LocalMachine\My: only that certificate
       (the CA certificate inside the PFX goes nowhere; the root comes from the manifest);
    3. lets the service account read the private key: the key file is found by its unique name under
       ProgramData\Microsoft\Crypto, in RSA\MachineKeys (legacy CSP keys) or Keys (CNG keys);
    4. checks each slot's certificate group against ServerConfigurator.exe /listcertificategroups, then runs the
       slot's command (ServerConfigurator.exe /quiet /enableencryption /certificategroup=.. /thumbprint=..);
    5. with -RemoveReplaced, after the switch: removes from LocalMachine\My only the certificates this installer
       itself replaced in a slot (recorded in ProgramData\xprotect-certs\replaced.json) and that no slot of
       bindings.json still uses; their key files only with -RemoveKeyFiles, and never the key file this
       certificate uses.
  On a node of a clustered management server (a bundle folder per node: its manifest has clusterName and
  identityProvider), also, after step 3:
    3a. adds the identity provider's data-protection certificate, key not exportable, to LocalMachine\My;
    3b. lets the identity provider's app pool account (-IdentityProviderAccount) read its private key;
    3c. writes its thumbprint into appsettings.json of the identity provider (-IdentityProviderFolder) at
        DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint, keeping the file's other settings, after a
        copy of the file beside it (appsettings.json.<time>.bak); nothing when the thumbprint is there already;
    and at the end says what the vendor asks next: fail over once, then re-enter the external identity provider's
    client secret in the Management Client. A previous identity provider certificate stays in LocalMachine\My
    (its key still decrypts what was protected with it): -RemoveReplaced never removes one (they are recorded in
    ProgramData\xprotect-certs\identity-provider.json).
  A second run changes nothing and says so. Slots switched on are recorded in
  ProgramData\xprotect-certs\bindings.json (group id to thumbprint): a slot already recorded with this
  certificate is not switched again unless -Force. A slot whose command failed is not recorded: a rerun tries it
  again. -WhatIf writes nothing anywhere and runs nothing. No temporary file is written: the PFX is read where
  it is.

  Across a site, run it on the servers in the order of order.txt, as the vendor guide says (management server
  first, then the recording servers, then the other servers with a Data Collector).

  Exit codes: 0 done (or nothing to do); 1 error (the message says what failed; nothing after it was done).

.PARAMETER Bundle
  The server's bundle folder: DIR/<server> as written by npm run bundle (holding <server>.json).

.PARAMETER Manifest
  The manifest file itself; the PFX is read from the same folder (needed only while the certificate is not yet
  in LocalMachine\My, e.g. not after a deployment tool imported it).

.PARAMETER ServerConfigurator
  Path of ServerConfigurator.exe. Default: found from the installed Milestone services (the folder
  "Server Configurator" beside the service's installation folder), else under Program Files\Milestone.

.PARAMETER RemoveReplaced
  After every slot is switched on, remove the certificates this installer replaced in a slot and that no slot
  recorded in bindings.json still uses. Certificates it did not replace itself are never removed.

.PARAMETER RemoveKeyFiles
  With -RemoveReplaced: also delete the key files of the certificates removed (never the key of this
  certificate). Without it the key files stay.

.PARAMETER Force
  Run the slot commands even when bindings.json says they were run with this certificate.

.PARAMETER IgnoreHostName
  Install even though the manifest's host name does not name this computer.

.PARAMETER IdentityProviderAccount
  Cluster nodes only: the account of the identity provider's IIS app pool ("VideoOS IDP"), which must read the
  identity provider certificate's key. Default NT AUTHORITY\NETWORK SERVICE (the vendor's default identity).

.PARAMETER IdentityProviderFolder
  Cluster nodes only: the identity provider's folder, holding appsettings.json. Default: under Program Files,
  Milestone\XProtect Management Server\IIS\Identity Provider.

.EXAMPLE
  powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\Install-XProtectCertificate.ps1 -Bundle D:\bundle\rec01 -WhatIf
  powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\Install-XProtectCertificate.ps1 -Bundle D:\bundle\rec01 -RemoveReplaced
#>
[CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'Bundle')]
param(
  [Parameter(Mandatory = $true, ParameterSetName = 'Bundle')] [string] $Bundle,
  [Parameter(Mandatory = $true, ParameterSetName = 'Manifest')] [string] $Manifest,
  [string] $ServerConfigurator,
  [switch] $RemoveReplaced,
  [switch] $RemoveKeyFiles,
  [switch] $Force,
  [switch] $IgnoreHostName,
  [string] $IdentityProviderAccount = 'NT AUTHORITY\NETWORK SERVICE',
  [string] $IdentityProviderFolder
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0
if ($RemoveKeyFiles -and -not $RemoveReplaced) { throw '-RemoveKeyFiles goes with -RemoveReplaced: add -RemoveReplaced, or leave -RemoveKeyFiles out.' }

$RootMarker = 'xprotect-certs site root'
$StateFile = Join-Path $env:ProgramData 'xprotect-certs\bindings.json'
$ReplacedFile = Join-Path $env:ProgramData 'xprotect-certs\replaced.json'
$IdentityProviderFile = Join-Path $env:ProgramData 'xprotect-certs\identity-provider.json'
$script:changes = 0

# Exit codes of ServerConfigurator.exe: the vendor's (0, -1 to -4, as MilestonePSTools' Invoke-ServerConfigurator
# knows them). Any other code is a failure: other codes reported second-hand (100, 10000, 20000, 100000, 300000)
# have no public vendor source for their meaning, so the slot is not recorded and a rerun tries it again.
$ExitMeaning = @{
  '0'      = 'success'
  '-1'     = 'unknown error: see the Server Configurator log'
  '-2'     = 'invalid arguments: the command line is wrong for this version (2020 R3 or later is needed)'
  '-3'     = 'invalid argument value: the certificate group or thumbprint is not accepted'
  '-4'     = 'another instance is running: close the Server Configurator and run again'
}

function Write-Step([string] $Text) { Write-Host "  $Text" }

# The sites (stacks) a root's friendly name marks it for: "xprotect-certs site root [a, b]: CN" gives a and b. A
# root marked by an earlier version ("xprotect-certs site root: CN", no site) or not marked gives none.
function Get-MarkedSites([string] $FriendlyName) {
  if ($FriendlyName -match '^xprotect-certs site root \[(?<sites>[^\]]+)\]: ') { return @($Matches.sites -split ', ') }
  return @()
}

function Get-RootLabel([string[]] $Sites, [System.Security.Cryptography.X509Certificates.X509Certificate2] $Root) {
  return "${RootMarker} [$(@($Sites | Sort-Object -Unique) -join ', ')]: $($Root.GetNameInfo('SimpleName', $false))"
}

function Get-ManifestPath {
  if ($Manifest) {
    if (-not (Test-Path -LiteralPath $Manifest -PathType Leaf)) { throw "-Manifest ${Manifest}: no such file." }
    return (Resolve-Path -LiteralPath $Manifest).ProviderPath
  }
  if (-not (Test-Path -LiteralPath $Bundle -PathType Container)) { throw "-Bundle ${Bundle}: no such folder." }
  $found = @(Get-ChildItem -LiteralPath $Bundle -Filter '*.json' -File)
  if ($found.Count -ne 1) {
    throw "-Bundle ${Bundle}: expected one <server>.json, found $($found.Count). Give a server's folder (DIR\<server>), not the bundle's root."
  }
  return $found[0].FullName
}

function Read-Manifest([string] $Path) {
  $m = Get-Content -LiteralPath $Path -Raw -Encoding UTF8 | ConvertFrom-Json
  if ($m.contractVersion -ne 1) {
    throw "${Path}: manifest contractVersion $($m.contractVersion) is not 1: use the installer of that version."
  }
  foreach ($field in 'stack', 'server', 'hostname', 'thumbprint', 'serviceAccount', 'pfxFile', 'pfxPassword') {
    if (-not $m.PSObject.Properties[$field] -or [string]::IsNullOrEmpty([string]$m.$field)) { throw "${Path}: the manifest has no ${field}: make the bundle again (npm run bundle)." }
  }
  if (-not $m.PSObject.Properties['trustedCaCertificates'] -or @($m.trustedCaCertificates).Count -lt 1) { throw "${Path}: the manifest lists no root CA: make the bundle again." }
  return $m
}

function Test-ThisComputer([string] $HostName) {
  $first = $HostName.Split('.')[0]
  $netbios = if ($first.Length -gt 15) { $first.Substring(0, 15) } else { $first }
  return ($netbios -eq $env:COMPUTERNAME)
}

function Get-KeyFile([System.Security.Cryptography.X509Certificates.X509Certificate2] $Cert) {
  # The key's unique name is its file name. Where the file is does not follow from the key's .NET type (a
  # legacy CSP key is returned as RSACng too), so both folders are searched.
  $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Cert)
  if ($null -eq $key) { throw "Certificate $($Cert.Thumbprint) has no RSA private key in LocalMachine\My." }
  $unique = $null
  if ($key.PSObject.Properties['Key'] -and $key.Key) { $unique = $key.Key.UniqueName }
  if (-not $unique -and $key.PSObject.Properties['CspKeyContainerInfo']) { $unique = $key.CspKeyContainerInfo.UniqueKeyContainerName }
  if (-not $unique) { throw "The private key of certificate $($Cert.Thumbprint) has no unique name: its file cannot be found." }
  if ([IO.Path]::IsPathRooted($unique) -and (Test-Path -LiteralPath $unique -PathType Leaf)) { return $unique }
  $crypto = Join-Path $env:ProgramData 'Microsoft\Crypto'
  $candidates = @((Join-Path $crypto "RSA\MachineKeys\$unique"), (Join-Path $crypto "Keys\$unique"))
  $found = @($candidates | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf })
  if ($found.Count -eq 1) { return $found[0] }
  if ($found.Count -eq 0) { throw "The key file $unique of certificate $($Cert.Thumbprint) is in neither $($candidates -join ' nor ')." }
  throw "The key file $unique of certificate $($Cert.Thumbprint) is in both $($candidates -join ' and '): remove the stale one by hand."
}

function Get-AccountSid([string] $Account) {
  try {
    return (New-Object System.Security.Principal.NTAccount($Account)).Translate([System.Security.Principal.SecurityIdentifier])
  } catch {
    throw "serviceAccount '$Account' is not an account this computer knows: fix servers.<name>.serviceAccount in the stack (or create the account), then bundle again."
  }
}

function Test-CanRead([string] $File, [System.Security.Principal.SecurityIdentifier] $Sid) {
  $read = [System.Security.AccessControl.FileSystemRights]::Read
  foreach ($rule in (Get-Acl -LiteralPath $File).Access) {
    if ($rule.AccessControlType -ne 'Allow' -or ($rule.FileSystemRights -band $read) -ne $read) { continue }
    try { $ruleSid = $rule.IdentityReference.Translate([System.Security.Principal.SecurityIdentifier]) } catch { continue }
    if ($ruleSid -eq $Sid) { return $true }
  }
  return $false
}

function Find-ServerConfigurator([string] $ServiceName) {
  $candidates = @()
  $services = @(Get-CimInstance -ClassName Win32_Service | Where-Object {
      $_.Name -eq $ServiceName -or $_.DisplayName -eq $ServiceName -or $_.DisplayName -like 'Milestone XProtect*'
    })
  foreach ($svc in $services) {
    $exe = $svc.PathName
    if ($exe -match '^"([^"]+)"') { $exe = $Matches[1] } else { $exe = ($exe -split ' ')[0] }
    $installDir = Split-Path -Parent (Split-Path -Parent $exe)
    $candidates += Join-Path $installDir 'Server Configurator\ServerConfigurator.exe'
  }
  $candidates += Join-Path $env:ProgramFiles 'Milestone\Server Configurator\ServerConfigurator.exe'
  foreach ($c in $candidates) { if (Test-Path -LiteralPath $c -PathType Leaf) { return $c } }
  throw "ServerConfigurator.exe not found (looked in: $($candidates -join '; ')): give its path with -ServerConfigurator."
}

function Invoke-Configurator([string] $Exe, [string[]] $Arguments) {
  # Output read through pipes: no temporary file.
  $psi = New-Object System.Diagnostics.ProcessStartInfo
  $psi.FileName = $Exe
  $psi.Arguments = $Arguments -join ' '
  $psi.UseShellExecute = $false
  $psi.RedirectStandardOutput = $true
  $psi.RedirectStandardError = $true
  $psi.CreateNoWindow = $true
  $process = [System.Diagnostics.Process]::Start($psi)
  $stdout = $process.StandardOutput.ReadToEndAsync()
  $stderr = $process.StandardError.ReadToEnd()
  $process.WaitForExit()
  return [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result + $stderr }
}

function Get-CertificateGroups([string] $Exe) {
  $r = Invoke-Configurator $Exe @('/listcertificategroups')
  if ($r.ExitCode -ne 0) {
    throw "ServerConfigurator.exe /listcertificategroups failed: exit $($r.ExitCode) ($($ExitMeaning["$($r.ExitCode)"])). $($r.Output)"
  }
  $groups = @{}
  foreach ($line in ($r.Output -split "`r?`n")) {
    if ($line -match "Found '(?<name>.+)' group with ID = (?<id>[0-9A-Fa-f-]{36})") { $groups[$Matches.id.ToLowerInvariant()] = $Matches.name }
  }
  return $groups
}

function Read-Bindings {
  $bindings = @{}
  if (Test-Path -LiteralPath $StateFile -PathType Leaf) {
    $saved = Get-Content -LiteralPath $StateFile -Raw -Encoding UTF8 | ConvertFrom-Json
    foreach ($p in $saved.PSObject.Properties) { $bindings[$p.Name] = [string]$p.Value }
  }
  return $bindings
}

function Save-Bindings([hashtable] $Bindings) {
  $dir = Split-Path -Parent $StateFile
  if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir | Out-Null }
  $Bindings | ConvertTo-Json | Set-Content -LiteralPath $StateFile -Encoding UTF8
}

# A list of thumbprints kept in a JSON file of the installer's state folder.
function Read-ThumbprintList([string] $File) {
  if (-not (Test-Path -LiteralPath $File -PathType Leaf)) { return @() }
  # Windows PowerShell 5.1's ConvertFrom-Json emits a JSON array as one object: @() enumerates it.
  $saved = Get-Content -LiteralPath $File -Raw -Encoding UTF8 | ConvertFrom-Json
  return @(@($saved) | ForEach-Object { [string]$_ })
}

function Save-ThumbprintList([string] $File, [string[]] $Thumbprints) {
  $dir = Split-Path -Parent $File
  if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir | Out-Null }
  ConvertTo-Json -InputObject @($Thumbprints | Sort-Object -Unique) | Set-Content -LiteralPath $File -Encoding UTF8
}

# Thumbprints of certificates this installer replaced in a slot (what -RemoveReplaced may remove).
function Read-Replaced { return @(Read-ThumbprintList $ReplacedFile) }
function Save-Replaced([string[]] $Thumbprints) { Save-ThumbprintList $ReplacedFile $Thumbprints }

function Open-Store([string] $Name, [string] $Mode) {
  $store = New-Object System.Security.Cryptography.X509Certificates.X509Store($Name, 'LocalMachine')
  $store.Open($Mode)
  return $store
}

# Thumbprints of every identity provider certificate this installer installed: never removed (-RemoveReplaced).
function Read-IdentityProviderCertificates { return @(Read-ThumbprintList $IdentityProviderFile) }
function Save-IdentityProviderCertificates([string[]] $Thumbprints) {
  Save-ThumbprintList $IdentityProviderFile $Thumbprints
}

function Get-IdentityProviderSettingsPath {
  $folders = if ($IdentityProviderFolder) { @($IdentityProviderFolder) } else {
    @(Join-Path $env:ProgramFiles 'Milestone\XProtect Management Server\IIS\Identity Provider')
  }
  foreach ($f in $folders) {
    $file = Join-Path $f 'appsettings.json'
    if (Test-Path -LiteralPath $file -PathType Leaf) { return $file }
  }
  throw "The identity provider's appsettings.json is not in $($folders -join ' nor '): give its folder with -IdentityProviderFolder ([install path]\Milestone\XProtect Management Server\IIS\Identity Provider)."
}

# The thumbprint at DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint of the parsed settings, or $null.
function Get-ProtectingThumbprint($Settings) {
  $dp = $Settings.PSObject.Properties['DataProtectionSettings']
  if (-not $dp -or $null -eq $dp.Value) { return $null }
  $pk = $dp.Value.PSObject.Properties['ProtectKeysWithCertificate']
  if (-not $pk -or $null -eq $pk.Value) { return $null }
  $t = $pk.Value.PSObject.Properties['Thumbprint']
  if (-not $t) { return $null }
  return [string]$t.Value
}

# Sets DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint in appsettings.json, every other setting kept;
# a copy of the file is written beside it first. Returns $false (and writes nothing) when it is set already.
function Set-IdentityProviderThumbprint([string] $Path, [string] $Thumbprint) {
  try {
    $settings = [IO.File]::ReadAllText($Path) | ConvertFrom-Json
  } catch {
    throw "${Path}: not JSON this installer can read ($($_.Exception.Message)): set DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint to $Thumbprint by hand."
  }
  if ((Get-ProtectingThumbprint $settings) -eq $Thumbprint) { return $false }
  if (-not $settings.PSObject.Properties['DataProtectionSettings'] -or $null -eq $settings.DataProtectionSettings) {
    $settings | Add-Member -NotePropertyName 'DataProtectionSettings' -NotePropertyValue ([pscustomobject]@{}) -Force
  }
  $dataProtection = $settings.DataProtectionSettings
  if (-not $dataProtection.PSObject.Properties['ProtectKeysWithCertificate'] -or $null -eq $dataProtection.ProtectKeysWithCertificate) {
    $dataProtection | Add-Member -NotePropertyName 'ProtectKeysWithCertificate' -NotePropertyValue ([pscustomobject]@{}) -Force
  }
  $dataProtection.ProtectKeysWithCertificate | Add-Member -NotePropertyName 'Thumbprint' -NotePropertyValue $Thumbprint -Force
  $backup = "$Path.$((Get-Date).ToUniversalTime().ToString('yyyyMMddTHHmmssZ')).bak"
  Copy-Item -LiteralPath $Path -Destination $backup
  [IO.File]::WriteAllText($Path, ($settings | ConvertTo-Json -Depth 100), (New-Object System.Text.UTF8Encoding($false)))
  Write-Step "kept a copy of the previous settings in $backup"
  return $true
}

# --- The manifest -------------------------------------------------------------------------------------------
$manifestPath = Get-ManifestPath
$m = Read-Manifest $manifestPath
$pfxPath = Join-Path (Split-Path -Parent $manifestPath) $m.pfxFile
if (-not $IgnoreHostName -and -not (Test-ThisComputer $m.hostname)) {
  throw "This bundle is for $($m.server) ($($m.hostname)), and this computer is $($env:COMPUTERNAME). Run it on that server, or add -IgnoreHostName if the names differ on purpose."
}
Write-Host "$($m.server) ($($m.role), $($m.hostname)): certificate $($m.thumbprint), valid until $($m.notAfter)"

# --- 1. Trust the roots -------------------------------------------------------------------------------------
$siteRoots = @()
foreach ($ca in @($m.trustedCaCertificates)) {
  $root = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(, [Convert]::FromBase64String($ca.certificateDer))
  if ($root.Thumbprint -ne $ca.thumbprint) { throw "Root $($ca.thumbprint) of the manifest is not what its DER holds ($($root.Thumbprint)): make the bundle again." }
  $siteRoots += $root.Thumbprint
  $store = Open-Store 'Root' 'ReadOnly'
  $present = @($store.Certificates.Find('FindByThumbprint', $root.Thumbprint, $false))
  $store.Close()
  $sites = if ($present.Count -gt 0) { @(Get-MarkedSites $present[0].FriendlyName) } else { @() }
  $label = Get-RootLabel (@($sites) + $m.stack) $root
  if ($present.Count -eq 0) {
    if ($PSCmdlet.ShouldProcess('LocalMachine\Root', "trust root $($root.Thumbprint) ($($ca.status), until $($ca.notAfter))")) {
      $root.FriendlyName = $label
      $store = Open-Store 'Root' 'ReadWrite'
      $store.Add($root)
      $store.Close()
      $script:changes++
      Write-Step "trusted root $($root.Thumbprint) ($($ca.status))"
    }
  } elseif ($sites -notcontains $m.stack) {
    # Not marked, marked by an earlier version (no site), or marked for other sites only: add this site.
    if ($PSCmdlet.ShouldProcess("LocalMachine\Root\$($root.Thumbprint)", "mark as a root of site $($m.stack) (friendly name '$label')")) {
      $store = Open-Store 'Root' 'ReadWrite'
      $store.Certificates.Find('FindByThumbprint', $root.Thumbprint, $false)[0].FriendlyName = $label
      $store.Close()
      $script:changes++
      Write-Step "root $($root.Thumbprint) was trusted already; marked as a root of site $($m.stack)"
    }
  } else {
    Write-Step "root $($root.Thumbprint) trusted already"
  }
}

# --- 1b. Intermediate CAs of a certificate an enterprise CA signed (issuer external) -------------------------
# Its roots are the domain's (Group Policy puts them in Root): left alone. The issuing CAs go into LocalMachine\CA.
$intermediates = @()
if ($m.PSObject.Properties['intermediateCaCertificates']) { $intermediates = @($m.intermediateCaCertificates) }
foreach ($ca in $intermediates) {
  $issuing = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(, [Convert]::FromBase64String($ca.certificateDer))
  if ($issuing.Thumbprint -ne $ca.thumbprint) { throw "Intermediate $($ca.thumbprint) of the manifest is not what its DER holds ($($issuing.Thumbprint)): make the bundle again." }
  $store = Open-Store 'CA' 'ReadOnly'
  $present = @($store.Certificates.Find('FindByThumbprint', $issuing.Thumbprint, $false))
  $store.Close()
  if ($present.Count -gt 0) {
    Write-Step "intermediate CA $($issuing.Thumbprint) in LocalMachine\CA already"
  } elseif ($PSCmdlet.ShouldProcess('LocalMachine\CA', "add intermediate CA $($issuing.Thumbprint) ($($issuing.Subject))")) {
    $store = Open-Store 'CA' 'ReadWrite'
    $store.Add($issuing)
    $store.Close()
    $script:changes++
    Write-Step "added intermediate CA $($issuing.Thumbprint) to LocalMachine\CA"
  }
}

# --- 2. The server certificate in LocalMachine\My, key not exportable -------------------------------------------
$cert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$($m.thumbprint)" -ErrorAction SilentlyContinue
if ($cert -and $cert.HasPrivateKey) {
  Write-Step "certificate $($m.thumbprint) in LocalMachine\My already"
} elseif ($PSCmdlet.ShouldProcess('LocalMachine\My', "import certificate $($m.thumbprint) for $($m.hostname), key not exportable")) {
  if (-not (Test-Path -LiteralPath $pfxPath -PathType Leaf)) { throw "$($m.pfxFile) is not beside ${manifestPath}: copy the whole server folder." }
  $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'MachineKeySet, PersistKeySet'
  $fromPfx = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2Collection
  $fromPfx.Import($pfxPath, [string]$m.pfxPassword, $flags)
  $leaf = @($fromPfx | Where-Object { $_.Thumbprint -eq $m.thumbprint -and $_.HasPrivateKey })
  if ($leaf.Count -ne 1) { throw "$($m.pfxFile) holds no certificate $($m.thumbprint) with its key: make the bundle again." }
  $store = Open-Store 'My' 'ReadWrite'
  if ($cert) { $store.Remove($cert) } # there without its key: replace it
  $store.Add($leaf[0])
  $store.Close()
  $script:changes++
  Write-Step "imported certificate $($m.thumbprint) into LocalMachine\My (only the server certificate)"
  $cert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$($m.thumbprint)"
}
# A site root in LocalMachine\My without a key is a leftover of an import of the whole PFX (e.g. Import-PfxCertificate).
foreach ($t in $siteRoots) {
  $stray = Get-Item -LiteralPath "Cert:\LocalMachine\My\$t" -ErrorAction SilentlyContinue
  if ($stray -and -not $stray.HasPrivateKey -and $PSCmdlet.ShouldProcess("LocalMachine\My\$t", 'remove a site root from the personal store (it belongs in Root)')) {
    $store = Open-Store 'My' 'ReadWrite'
    $store.Remove($stray)
    $store.Close()
    $script:changes++
    Write-Step "removed root $t from LocalMachine\My"
  }
}

# --- 3. The service account reads the private key -------------------------------------------------------------
$sid = Get-AccountSid $m.serviceAccount
if ($cert) {
  $keyFile = Get-KeyFile $cert
  if (Test-CanRead $keyFile $sid) {
    Write-Step "$($m.serviceAccount) can read the key already"
  } elseif ($PSCmdlet.ShouldProcess($keyFile, "grant Read to $($m.serviceAccount) ($($m.serviceName))")) {
    $acl = Get-Acl -LiteralPath $keyFile
    $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($sid, 'Read', 'Allow')))
    Set-Acl -LiteralPath $keyFile -AclObject $acl
    $script:changes++
    Write-Step "granted $($m.serviceAccount) read access to $keyFile"
  }
} else {
  Write-Step "would grant $($m.serviceAccount) read access to the key once imported"
}

# --- 3b. The public certificate (ACME), for the client-facing slots ------------------------------------------
# Its leaf with its key into LocalMachine\My (not exportable), the CA's intermediates into LocalMachine\CA (the
# PFX holds no root: public roots come with Windows), and the service account reads its key too.
$publicKeyFile = $null
if ($m.PSObject.Properties['publicCertificate'] -and $m.publicCertificate) {
  $pt = [string]$m.publicCertificate.thumbprint
  $publicPfxPath = Join-Path (Split-Path -Parent $manifestPath) $m.publicPfxFile
  $publicCert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$pt" -ErrorAction SilentlyContinue
  if ($publicCert -and $publicCert.HasPrivateKey) {
    Write-Step "public certificate $pt in LocalMachine\My already"
  } elseif ($PSCmdlet.ShouldProcess('LocalMachine\My', "import public certificate $pt for $($m.publicCertificate.dnsNames -join ', '), key not exportable")) {
    if (-not (Test-Path -LiteralPath $publicPfxPath -PathType Leaf)) { throw "$($m.publicPfxFile) is not beside ${manifestPath}: copy the whole server folder." }
    $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'MachineKeySet, PersistKeySet'
    $fromPfx = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2Collection
    $fromPfx.Import($publicPfxPath, [string]$m.publicPfxPassword, $flags)
    $leaf = @($fromPfx | Where-Object { $_.Thumbprint -eq $pt -and $_.HasPrivateKey })
    if ($leaf.Count -ne 1) { throw "$($m.publicPfxFile) holds no certificate $pt with its key: make the bundle again." }
    $store = Open-Store 'My' 'ReadWrite'
    if ($publicCert) { $store.Remove($publicCert) }
    $store.Add($leaf[0])
    $store.Close()
    $intermediates = @($fromPfx | Where-Object { $_.Thumbprint -ne $pt })
    if ($intermediates.Count -gt 0) {
      $store = Open-Store 'CA' 'ReadWrite'
      foreach ($i in $intermediates) { $store.Add($i) }
      $store.Close()
    }
    $script:changes++
    Write-Step "imported public certificate $pt into LocalMachine\My and $($intermediates.Count) intermediate(s) into LocalMachine\CA"
    $publicCert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$pt"
  }
  if ($publicCert) {
    $publicKeyFile = Get-KeyFile $publicCert
    if (Test-CanRead $publicKeyFile $sid) {
      Write-Step "$($m.serviceAccount) can read the public certificate's key already"
    } elseif ($PSCmdlet.ShouldProcess($publicKeyFile, "grant Read to $($m.serviceAccount) ($($m.serviceName))")) {
      $acl = Get-Acl -LiteralPath $publicKeyFile
      $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($sid, 'Read', 'Allow')))
      Set-Acl -LiteralPath $publicKeyFile -AclObject $acl
      $script:changes++
      Write-Step "granted $($m.serviceAccount) read access to $publicKeyFile"
    }
  }
}

# --- 3a-3c. A cluster node: the identity provider's data-protection certificate ------------------------------
$idp = $null
if ($m.PSObject.Properties['identityProvider'] -and $m.identityProvider) {
  $idp = $m.identityProvider
  Write-Host "Node $($m.hostname) of cluster $($m.clusterName): identity provider certificate $($idp.thumbprint), valid until $($idp.notAfter)"
  $idpCert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$($idp.thumbprint)" -ErrorAction SilentlyContinue
  if ($idpCert -and $idpCert.HasPrivateKey) {
    Write-Step "identity provider certificate $($idp.thumbprint) in LocalMachine\My already"
  } elseif ($PSCmdlet.ShouldProcess('LocalMachine\My', "import identity provider certificate $($idp.thumbprint), key not exportable")) {
    $idpPfx = Join-Path (Split-Path -Parent $manifestPath) $idp.pfxFile
    if (-not (Test-Path -LiteralPath $idpPfx -PathType Leaf)) { throw "$($idp.pfxFile) is not beside ${manifestPath}: copy the whole node folder." }
    $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'MachineKeySet, PersistKeySet'
    $fromIdpPfx = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2Collection
    $fromIdpPfx.Import($idpPfx, [string]$idp.pfxPassword, $flags)
    $idpLeaf = @($fromIdpPfx | Where-Object { $_.Thumbprint -eq $idp.thumbprint -and $_.HasPrivateKey })
    if ($idpLeaf.Count -ne 1) { throw "$($idp.pfxFile) holds no certificate $($idp.thumbprint) with its key: make the bundle again." }
    $store = Open-Store 'My' 'ReadWrite'
    if ($idpCert) { $store.Remove($idpCert) } # there without its key: replace it
    $store.Add($idpLeaf[0])
    $store.Close()
    Save-IdentityProviderCertificates (@(Read-IdentityProviderCertificates) + $idp.thumbprint)
    $script:changes++
    Write-Step "imported identity provider certificate $($idp.thumbprint) into LocalMachine\My"
    $idpCert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$($idp.thumbprint)"
  }
  $idpSid = Get-AccountSid $IdentityProviderAccount
  if ($idpCert) {
    $idpKeyFile = Get-KeyFile $idpCert
    if (Test-CanRead $idpKeyFile $idpSid) {
      Write-Step "$IdentityProviderAccount can read the identity provider key already"
    } elseif ($PSCmdlet.ShouldProcess($idpKeyFile, "grant Read to $IdentityProviderAccount (the identity provider's app pool)")) {
      $acl = Get-Acl -LiteralPath $idpKeyFile
      $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($idpSid, 'Read', 'Allow')))
      Set-Acl -LiteralPath $idpKeyFile -AclObject $acl
      $script:changes++
      Write-Step "granted $IdentityProviderAccount read access to $idpKeyFile"
    }
  }
  $settingsPath = Get-IdentityProviderSettingsPath
  $settingsNow = Get-ProtectingThumbprint ([IO.File]::ReadAllText($settingsPath) | ConvertFrom-Json)
  if ($settingsNow -eq $idp.thumbprint) {
    Write-Step "$settingsPath names $($idp.thumbprint) already"
  } elseif ($PSCmdlet.ShouldProcess($settingsPath, "set DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint to $($idp.thumbprint) (a copy of the file is kept beside it)")) {
    if (Set-IdentityProviderThumbprint $settingsPath $idp.thumbprint) {
      $script:changes++
      Write-Step "set DataProtectionSettings.ProtectKeysWithCertificate.Thumbprint to $($idp.thumbprint) in $settingsPath"
    }
  }
}

# The certificate each slot is switched on with: its own thumbprint (a public slot: the public certificate's),
# else the server's (manifests made before slots carried one).
function Get-SlotThumbprint($Slot) {
  if ($Slot.PSObject.Properties['thumbprint'] -and $Slot.thumbprint) { return [string]$Slot.thumbprint }
  return [string]$m.thumbprint
}

# --- 4. Switch encryption on, slot by slot --------------------------------------------------------------------
$bindings = Read-Bindings
$pending = @(@($m.slots) | Where-Object { $Force -or $bindings[$_.groupId] -ne (Get-SlotThumbprint $_) })
foreach ($slot in @($m.slots)) {
  if ($pending -notcontains $slot) { Write-Step "slot $($slot.slot) ($($slot.groupId)) switched on with this certificate already" }
}
if ($pending.Count -gt 0) {
  if (-not $ServerConfigurator) { $ServerConfigurator = Find-ServerConfigurator $m.serviceName }
  $version = (Get-Item -LiteralPath $ServerConfigurator).VersionInfo.FileVersion
  try { $tooOld = [version]$version -lt [version]'20.3' } catch { $tooOld = $false }
  if ($tooOld) { throw "$ServerConfigurator is version ${version}: its command line needs XProtect 2020 R3 (20.3) or later." }
  if ($WhatIfPreference) {
    Write-Step "would check the certificate groups with $ServerConfigurator /listcertificategroups"
  } else {
    $groups = Get-CertificateGroups $ServerConfigurator
    $missing = @($pending | Where-Object { -not $groups.ContainsKey($_.groupId.ToLowerInvariant()) })
    if ($missing.Count -gt 0) {
      $listed = ($groups.GetEnumerator() | ForEach-Object { "$($_.Value) = $($_.Key)" }) -join '; '
      throw "Certificate group(s) $(($missing | ForEach-Object { "$($_.slot) $($_.groupId)" }) -join ', ') not on this computer (it lists: $listed). Check the server's role and slots in the stack; nothing was switched."
    }
  }
  foreach ($slot in $pending) {
    $slotThumbprint = Get-SlotThumbprint $slot
    $arguments = @('/quiet', '/enableencryption', "/certificategroup=$($slot.groupId)", "/thumbprint=$slotThumbprint")
    if ($slot.command -ne "ServerConfigurator.exe $($arguments -join ' ')") {
      throw "Slot $($slot.slot): its command '$($slot.command)' is not the one for group $($slot.groupId) and certificate ${slotThumbprint}: make the bundle again."
    }
    if (-not $PSCmdlet.ShouldProcess("$($m.role) slot $($slot.slot) ($($slot.groupId))", "ServerConfigurator $($arguments -join ' ')")) { continue }
    $r = Invoke-Configurator $ServerConfigurator $arguments
    if ($r.ExitCode -ne 0) {
      # Not recorded in bindings.json: a rerun tries this slot again.
      $meaning = $ExitMeaning["$($r.ExitCode)"]
      if (-not $meaning) { $meaning = 'not an exit code the vendor documents: see the Server Configurator log' }
      throw "Server Configurator failed for slot $($slot.slot) ($($slot.groupId)): exit $($r.ExitCode) ($meaning). Nothing after it was done; run again once fixed. $($r.Output)"
    }
    $previous = $bindings[$slot.groupId]
    $bindings[$slot.groupId] = $slotThumbprint
    Save-Bindings $bindings
    if ($previous -and $previous -ne $slotThumbprint) { Save-Replaced (@(Read-Replaced) + $previous) }
    $script:changes++
    Write-Step "slot $($slot.slot) switched on"
  }
}

# --- 5. Remove the certificates this installer replaced --------------------------------------------------------
# Only thumbprints this installer itself took out of a slot (replaced.json), and only when no slot recorded in
# bindings.json still uses them: the Server Configurator cannot say which certificate a group uses, and a slot
# outside this manifest may keep an older one.
if ($RemoveReplaced -and $cert) {
  $inUse = @(@($bindings.Values) + $m.thumbprint)
  # The public certificate (its slots' thumbprint) is in use too.
  $inUse += @(@($m.slots) | ForEach-Object { Get-SlotThumbprint $_ })
  $identityProviderCertificates = @(Read-IdentityProviderCertificates)
  foreach ($t in @(Read-Replaced)) {
    if ($inUse -contains $t) {
      Write-Step "kept $t (bindings.json still records it for a slot)"
      continue
    }
    if ($identityProviderCertificates -contains $t) {
      # Its key still decrypts what the identity provider protected with it.
      Write-Step "kept $t (an identity provider certificate: never removed)"
      continue
    }
    $old = Get-Item -LiteralPath "Cert:\LocalMachine\My\$t" -ErrorAction SilentlyContinue
    $oldKey = $null
    if ($old -and $RemoveKeyFiles -and $old.HasPrivateKey) {
      try { $oldKey = Get-KeyFile $old } catch { Write-Warning $_.Exception.Message }
      if ($oldKey -and $oldKey -eq $keyFile) {
        Write-Step "keeping key file $oldKey (certificate $($m.thumbprint) uses the same key)"
        $oldKey = $null
      }
    }
    $what = if ($old) { "remove the replaced certificate (until $($old.NotAfter.ToString('u')))" } else { 'forget it (no longer in LocalMachine\My)' }
    if (-not $PSCmdlet.ShouldProcess("LocalMachine\My\$t", $what)) { continue }
    if ($old) {
      $store = Open-Store 'My' 'ReadWrite'
      $store.Remove($old)
      $store.Close()
      if ($oldKey) { Remove-Item -LiteralPath $oldKey -Force }
      $script:changes++
      Write-Step "removed replaced certificate $t"
      if ($oldKey) { Write-Step "removed its key file $oldKey" }
    }
    Save-Replaced @(Read-Replaced | Where-Object { $_ -ne $t })
  }
}

if ($idp) {
  Write-Host "Next, as the vendor asks (doc.milestonesys.com, 'IDP certificate in a cluster'): run this installer on every node of $($m.clusterName) (order.txt lists them: $(@($m.clusterNodes) -join ', ')); then fail over once (e.g. Move-ClusterGroup) so that the identity provider starts with the certificate; then, in the Management Client, apply the external identity provider configuration again and re-enter its client secret."
}
if ($WhatIfPreference) {
  Write-Host "$($m.server): -WhatIf: nothing was changed."
} elseif ($script:changes -eq 0) {
  Write-Host "$($m.server): nothing changed: certificate $($m.thumbprint) is installed, readable by $($m.serviceAccount) and switched on."
} else {
  Write-Host "$($m.server): $($script:changes) change(s) made; certificate $($m.thumbprint) is installed and switched on."
}
