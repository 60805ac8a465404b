#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
  Trusts the XProtect site's root CAs on a client computer (Smart Client, Management Client, integrations).

.DESCRIPTION
  Trusts in LocalMachine\Root exactly the roots given as ca-<thumbprint>.cer files in this script's folder
  (npm run bundle -- --clients writes them, and site.txt with the site's stack name), and marks each with its
  site in the friendly name "xprotect-certs site root [<stack>]: <CN>". A root two sites share carries both
  ("[<stack>, <stack>]"). A second run changes nothing and says so.

  With -RemoveRetired it also retires the roots marked with this site that the folder no longer lists (a root
  retired after a root rotation): a root marked with this site only is removed; a root other sites are marked
  on too keeps its trust, and only this site's mark is taken off. A root of another site, a root without a
  mark, and a root marked by an earlier version (friendly name "xprotect-certs site root: <CN>", no site) are
  never removed; the last are listed, to be removed by hand once no site uses them. -WhatIf writes nothing.

  Windows' default execution policy on client computers (Restricted) runs no script: start it with
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\Install-XProtectRootCertificates.ps1

.PARAMETER Path
  The folder holding the ca-<thumbprint>.cer files and site.txt. Default: this script's folder.

.PARAMETER RemoveRetired
  Retire the roots marked with this site that are not among the listed ones.

.EXAMPLE
  powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\Install-XProtectRootCertificates.ps1 -WhatIf
  powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\Install-XProtectRootCertificates.ps1 -RemoveRetired
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [string] $Path = $PSScriptRoot,
  [switch] $RemoveRetired
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

$RootMarker = 'xprotect-certs site root'
$changes = 0

function Open-RootStore([string] $Mode) {
  $store = New-Object System.Security.Cryptography.X509Certificates.X509Store('Root', 'LocalMachine')
  $store.Open($Mode)
  return $store
}

# The sites (stacks) a root's friendly name marks it for: "xprotect-certs site root [a, b]: CN" gives a and b. A
# root marked by an earlier version ("xprotect-certs site root: CN", no site) or not marked gives none.
function Get-MarkedSites([string] $FriendlyName) {
  if ($FriendlyName -match '^xprotect-certs site root \[(?<sites>[^\]]+)\]: ') { return @($Matches.sites -split ', ') }
  return @()
}

function Get-RootLabel([string[]] $Sites, [System.Security.Cryptography.X509Certificates.X509Certificate2] $Root) {
  return "${RootMarker} [$(@($Sites | Sort-Object -Unique) -join ', ')]: $($Root.GetNameInfo('SimpleName', $false))"
}

function Set-RootLabel([string] $Thumbprint, [string] $Label) {
  $store = Open-RootStore 'ReadWrite'
  $store.Certificates.Find('FindByThumbprint', $Thumbprint, $false)[0].FriendlyName = $Label
  $store.Close()
}

$siteFile = Join-Path $Path 'site.txt'
if (-not (Test-Path -LiteralPath $siteFile -PathType Leaf)) { throw "No site.txt in ${Path}: make the kit again with this version (npm run bundle -- --clients), or give -Path." }
$site = (Get-Content -LiteralPath $siteFile -Raw -Encoding UTF8).Trim()
if ($site -notmatch '^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$') { throw "${siteFile}: '$site' is not a stack name: make the kit again (npm run bundle -- --clients)." }

$files = @(Get-ChildItem -LiteralPath $Path -Filter 'ca-*.cer' -File)
if ($files.Count -eq 0) { throw "No ca-<thumbprint>.cer in ${Path}: run the script from the clients folder of a bundle, or give -Path." }

$listed = @()
foreach ($file in $files) {
  $root = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(, [IO.File]::ReadAllBytes($file.FullName))
  if ($file.Name -ne "ca-$($root.Thumbprint).cer") { throw "$($file.Name) holds certificate $($root.Thumbprint): the kit was changed; make it again (npm run bundle -- --clients)." }
  if ($root.HasPrivateKey) { throw "$($file.Name) holds a private key: a client kit must not; make it again." }
  $listed += $root.Thumbprint
  $store = Open-RootStore 'ReadOnly'
  $present = @($store.Certificates.Find('FindByThumbprint', $root.Thumbprint, $false))
  $store.Close()
  $sites = if ($present.Count -gt 0) { @(Get-MarkedSites $present[0].FriendlyName) } else { @() }
  $label = Get-RootLabel (@($sites) + $site) $root
  if ($present.Count -eq 0) {
    if ($PSCmdlet.ShouldProcess('LocalMachine\Root', "trust root $($root.Thumbprint) ($($root.Subject), until $($root.NotAfter.ToString('u')))")) {
      $root.FriendlyName = $label
      $store = Open-RootStore 'ReadWrite'
      $store.Add($root)
      $store.Close()
      $changes++
      Write-Host "  trusted root $($root.Thumbprint) ($($root.Subject)) for site $site"
    }
  } elseif ($sites -notcontains $site) {
    # Not marked, marked by an earlier version (no site), or marked for other sites only: add this site.
    if ($PSCmdlet.ShouldProcess("LocalMachine\Root\$($root.Thumbprint)", "mark as a root of site $site (friendly name '$label')")) {
      Set-RootLabel $root.Thumbprint $label
      $changes++
      Write-Host "  root $($root.Thumbprint) was trusted already; marked as a root of site $site"
    }
  } else {
    Write-Host "  root $($root.Thumbprint) trusted already"
  }
}

if ($RemoveRetired) {
  $store = Open-RootStore 'ReadOnly'
  $all = @($store.Certificates)
  $store.Close()
  foreach ($old in $all) {
    if ($listed -contains $old.Thumbprint) { continue }
    $sites = @(Get-MarkedSites $old.FriendlyName)
    if ($sites -notcontains $site) {
      if ($sites.Count -eq 0 -and $old.FriendlyName -like "${RootMarker}: *") {
        Write-Warning "root $($old.Thumbprint) ($($old.Subject)) was marked by an earlier version, without its site: not removed. Run each site's kit once (it marks the roots it lists with the site); remove it by hand only if no site lists it."
      }
      continue
    }
    $others = @($sites | Where-Object { $_ -ne $site })
    if ($others.Count -gt 0) {
      $label = Get-RootLabel $others $old
      if ($PSCmdlet.ShouldProcess("LocalMachine\Root\$($old.Thumbprint)", "keep it for site(s) $($others -join ', '), take off the mark of site $site (friendly name '$label')")) {
        Set-RootLabel $old.Thumbprint $label
        $changes++
        Write-Host "  root $($old.Thumbprint) retired for site $site; still trusted for $($others -join ', ')"
      }
    } elseif ($PSCmdlet.ShouldProcess("LocalMachine\Root\$($old.Thumbprint)", "remove retired root of site $site ($($old.Subject), until $($old.NotAfter.ToString('u')))")) {
      $store = Open-RootStore 'ReadWrite'
      $store.Remove($old)
      $store.Close()
      $changes++
      Write-Host "  removed retired root $($old.Thumbprint) ($($old.Subject)) of site $site"
    }
  }
}

if ($WhatIfPreference) {
  Write-Host '-WhatIf: nothing was changed.'
} elseif ($changes -eq 0) {
  Write-Host "Nothing changed: the $($listed.Count) root(s) of site $site are trusted."
} else {
  Write-Host "$changes change(s) made: the $($listed.Count) root(s) of site $site are trusted."
}
